import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { checkIntegrityInWorker, openHistory } from '../../src/store/history/history-store.ts';
import { ROOT } from '../helpers/root.ts';

describe('history: the integrity check really runs in a worker thread', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-worker-'));
    path = join(dir, 'h.sqlite3');
    const opened = openHistory(path);
    assert.ok(opened.ok);
    opened.store.commit({ incoming: [{ msgId: 'm1', peerId: 'p', peerName: 'p', seq: 1, text: 'hi', sentAt: 1 }] });
    opened.store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('under node --import tsx (this process)', async () => {
    assert.deepEqual(await checkIntegrityInWorker(path), { ok: true });
  });

  it('under the tsx CLI (how the client runs), started from another directory', () => {
    const script = join(dir, 'check.mts');
    const api = pathToFileURL(join(ROOT, 'src/store/history/history-store.ts')).href;
    writeFileSync(script, `import { checkIntegrityInWorker } from ${JSON.stringify(api)};\nconsole.log(JSON.stringify(await checkIntegrityInWorker(${JSON.stringify(path)})));\n`);
    const out = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.deepEqual(JSON.parse(out.trim()), { ok: true });
  });
});
