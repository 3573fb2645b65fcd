import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lockIdentity } from '../../src/store/identity-lock.ts';

describe('identity lock', () => {
  it('refuses a second holder while the first lives, and frees on release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'natter-lock-')), 'alice.key.lock');
    const first = lockIdentity(path);
    assert.equal(first.ok, true);
    // Another live process (the test runner's parent) as the second claimant.
    const second = lockIdentity(path, process.ppid);
    assert.equal(second.ok, false);
    if (first.ok) first.release();
    assert.equal(existsSync(path), false);
    const third = lockIdentity(path, process.ppid);
    assert.equal(third.ok, true);
  });

  it('a lock left by a process killed with SIGKILL is stale and taken over', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'natter-lock-')), 'bob.key.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(path, `${child.pid}\n`);
    assert.equal(lockIdentity(path).ok, false, 'held by a live process');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const taken = lockIdentity(path);
    assert.equal(taken.ok, true);
    if (taken.ok) taken.release();
  });
});
