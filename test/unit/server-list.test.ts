// The --servers / NATTER_SERVERS syntax: host:port[#KEY],... (client/edge/server-list.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServerList } from '../../client/edge/server-list.ts';
import { endpointKey } from '../../src/address.ts';

const KEY = 'ab'.repeat(32);

test('host:port#KEY gives the key for that address; plain host:port gives none', () => {
  const { servers, keys } = parseServerList(`127.0.0.1:8000#${KEY}, 127.0.0.1:8001,[::1]:8002#${KEY.toUpperCase()}`);
  assert.deepEqual(servers, [['127.0.0.1', 8000], ['127.0.0.1', 8001], ['::1', 8002]]);
  assert.equal(Buffer.from(keys.get(endpointKey(['127.0.0.1', 8000])) ?? []).toString('hex'), KEY);
  assert.equal(keys.get(endpointKey(['127.0.0.1', 8001])), undefined);
  assert.equal(Buffer.from(keys.get(endpointKey(['::1', 8002])) ?? []).toString('hex'), KEY);
});

test('a key that is not 64 hex characters is refused with BAD_ADDRESS', () => {
  for (const bad of [`127.0.0.1:8000#${KEY.slice(2)}`, '127.0.0.1:8000#', `127.0.0.1:8000#${'zz'.repeat(32)}`, '']) {
    assert.throws(() => parseServerList(bad), (err: Error & { code?: string }) => err.code === 'BAD_ADDRESS', bad);
  }
});
