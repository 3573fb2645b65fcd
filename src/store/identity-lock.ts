// One process per identity: two clients with the same key would fight over conversations
// (both answer, both register, each evicts the other at the servers). The lock is a pid file
// next to the key, created exclusively; it is stale when its process no longer lives, so a
// client killed with `kill -9` never blocks the next start.

import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export type LockResult = { ok: true; release: () => void } | { ok: false; pid: number; message: string };

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive all the same.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Takes the lock at `path` for this process (written then hard-linked: never half a file). */
export function lockIdentity(path: string, pid = process.pid): LockResult {
  const temp = `${path}.${pid}.tmp`;
  writeFileSync(temp, `${pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path);
        let released = false;
        return {
          ok: true,
          release: () => {
            if (released) return;
            released = true;
            if (readPid(path) === pid) rmSync(path, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readPid(path);
      if (holder !== undefined && holder !== pid && alive(holder)) {
        return { ok: false, pid: holder, message: `this identity is already in use by process ${holder} (lock ${path}); quit that client first` };
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
    return { ok: false, pid: 0, message: `could not take the identity lock ${path}` };
  } finally {
    rmSync(temp, { force: true });
  }
}
