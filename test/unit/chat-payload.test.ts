// The chat payload: version 1 round trips, newer payloads decode, bad bytes never throw.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Encoder } from 'cbor-x';
import { CHAT_PAYLOAD_VERSION, decodeChatPayload, encodeChatPayload } from '../../client/core/chat-payload.ts';
import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';

const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
const msgId = '0123456789abcdef0123456789abcdef';
const base = { msgId, seq: 1, sentAt: 1_700_000_000_000, text: 'hi' };

describe('chat payload', () => {
  it('round trips msgId, seq, sentAt and text, with the version', () => {
    const bytes = encodeChatPayload({ ...base, ref: 'r' });
    assert.deepEqual(decodeChatPayload(bytes), { ok: true, chat: base });
    assert.equal((cbor.decode(bytes) as { v: number }).v, CHAT_PAYLOAD_VERSION);
    assert.equal('ref' in (cbor.decode(bytes) as object), false, 'the caller\'s tag stays home');
  });

  it('tolerates unknown fields and higher versions, and passes on only what it knows', () => {
    const decoded = decodeChatPayload(cbor.encode({ v: 2, ...base, edits: [1, 2], sig: new Uint8Array(64) }));
    assert.deepEqual(decoded, { ok: true, chat: base });
  });

  it('gives a reason for each kind of bad payload, never a throw', () => {
    const cases: [Uint8Array, string][] = [
      [Uint8Array.of(0xff), 'not-cbor'],
      [new Uint8Array(0), 'not-cbor'],
      [cbor.encode(['v', 1]), 'not-a-map'],
      [cbor.encode('text'), 'not-a-map'],
      [cbor.encode(new Map([[1, 2]])), 'not-a-map'],
      [cbor.encode({ ...base }), 'bad-version'],
      [cbor.encode({ v: 0, ...base }), 'bad-version'],
      [cbor.encode({ v: 1.5, ...base }), 'bad-version'],
      [cbor.encode({ v: 1, ...base, msgId: msgId.toUpperCase() }), 'bad-field'],
      [cbor.encode({ v: 1, ...base, msgId: msgId.slice(1) }), 'bad-field'],
      [cbor.encode({ v: 1, ...base, seq: -1 }), 'bad-field'],
      [cbor.encode({ v: 1, ...base, sentAt: 'yesterday' }), 'bad-field'],
      [cbor.encode({ v: 1, ...base, text: 42 }), 'bad-field'],
      [cbor.encode({ v: 1, msgId, seq: 1, sentAt: 1 }), 'bad-field'],
      [new Uint8Array(MAX_MESSAGE_BYTES + 1), 'oversized'],
    ];
    for (const [bytes, reason] of cases) assert.deepEqual(decodeChatPayload(bytes), { ok: false, reason }, reason);
  });

  it('refuses to encode an impossible msgId or seq: the peer would drop it after acking it', () => {
    assert.throws(() => encodeChatPayload({ ...base, msgId: 'short', ref: undefined }), TypeError);
    assert.throws(() => encodeChatPayload({ ...base, seq: 1.5, ref: undefined }), TypeError);
  });

  it('a text of MAX_MESSAGE_BYTES encodes longer than the stream carries (the conversation refuses it)', () => {
    assert.ok(encodeChatPayload({ ...base, text: 'x'.repeat(MAX_MESSAGE_BYTES), ref: undefined }).length > MAX_MESSAGE_BYTES);
  });
});
