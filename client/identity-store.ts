// A stable peer id per --name, kept in the user's config directory, so two local clients
// with different names are two people and a restarted client keeps its id.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function configDir(): string {
  return process.env.XDG_CONFIG_HOME ? join(process.env.XDG_CONFIG_HOME, 'natter') : join(homedir(), '.config', 'natter');
}

export function loadOrCreatePeerId(name: string): string {
  const dir = configDir();
  const file = join(dir, `${encodeURIComponent(name)}.id`);
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch {
    /* first run */
  }
  const id = randomBytes(16).toString('hex');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
