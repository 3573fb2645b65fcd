// Where a client's history lives: one SQLite file per identity under the data directory
// (`--data DIR`), so two identities on one machine never share a conversation.

import os from 'node:os';
import { join } from 'node:path';

/** `$XDG_DATA_HOME/natter`, else `~/.local/share/natter` (the XDG base directory default). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && xdg.startsWith('/')) return join(xdg, 'natter');
  return join(os.homedir(), '.local', 'share', 'natter');
}

/** `DATA/<identity id>.sqlite3`. */
export const historyPath = (dataDir: string, identityId: string): string => join(dataDir, `${identityId}.sqlite3`);
