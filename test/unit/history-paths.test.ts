import assert from 'node:assert/strict';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HistoryWriteError } from '../../src/store/history/history-api.ts';
import { defaultDataDir, historyPath } from '../../src/store/history/paths.ts';
import { toWriteError } from '../../src/store/history/write-error.ts';

describe('history: where the file lives, and what a failed write is called', () => {
  it('DATA/<id>.sqlite3 under $XDG_DATA_HOME/natter, else ~/.local/share/natter', () => {
    assert.equal(historyPath('/d', 'abc'), '/d/abc.sqlite3');
    assert.equal(defaultDataDir({ XDG_DATA_HOME: '/x/data' }), '/x/data/natter');
    assert.equal(defaultDataDir({}), join(os.homedir(), '.local', 'share', 'natter'));
    assert.equal(defaultDataDir({ XDG_DATA_HOME: 'relative' }), join(os.homedir(), '.local', 'share', 'natter'), 'a relative XDG_DATA_HOME is ignored (XDG spec)');
  });

  it('SQLITE_FULL and ENOSPC are DISK_FULL; I/O and constraint errors are HISTORY_ERROR', () => {
    const sqlite = (code: string, message: string): Error => Object.assign(new Error(message), { code });
    assert.equal(toWriteError(sqlite('SQLITE_FULL', 'database or disk is full')).code, 'DISK_FULL');
    assert.equal(toWriteError(sqlite('ENOSPC', 'no space left on device')).code, 'DISK_FULL');
    assert.equal(toWriteError(sqlite('SQLITE_IOERR_WRITE', 'disk I/O error')).code, 'HISTORY_ERROR');
    assert.equal(toWriteError(sqlite('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: messages.msg_id')).code, 'HISTORY_ERROR');
    assert.equal(toWriteError(new TypeError('The database connection is not open')).code, 'HISTORY_ERROR');
    const same = new HistoryWriteError('DISK_FULL', 'x');
    assert.equal(toWriteError(same), same);
  });
});
