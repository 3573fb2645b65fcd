// A discovery server's long-term key (Ed25519, the same file format as a client identity:
// 0600 in a 0700 directory, written then hard-linked, refused when others can read it).
// Clients pin its public key per server address, as SSH pins host keys, so the default
// file is per port: the server on 127.0.0.1:8000 keeps its key across restarts.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentity, type IdentityResult } from './identity-file.ts';

/** $XDG_DATA_HOME/natter, else ~/.local/share/natter. */
export function dataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return env.XDG_DATA_HOME ? join(env.XDG_DATA_HOME, 'natter') : join(home, '.local', 'share', 'natter');
}

/** The default key file of the server on `port`. */
export const defaultServerKeyPath = (port: number, env?: NodeJS.ProcessEnv): string => join(dataDir(env), `discovery-${port}.key`);

/** Loads the server key at `path`, creating it (0600, directory 0700) on first start. */
export const loadOrCreateServerKey = (path: string): IdentityResult => loadOrCreateIdentity(path);
