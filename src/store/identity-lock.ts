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
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive all the same.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A process killed with -9 stays a zombie until its parent reaps it: it holds nothing any more. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): kill(pid, 0) said it lives
  }
}

/**
 * Takes the lock, waiting up to `waitMs` for a holder that is on its way out (a client that
 * was just told to quit, or killed a moment ago) before saying the identity is in use.
 */
export async function lockIdentityWaiting(path: string, waitMs = 3_000): Promise<LockResult> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = lockIdentity(path);
    if (result.ok || Date.now() >= deadline) return result;
    await new Promise((r) => setTimeout(r, 100));
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
