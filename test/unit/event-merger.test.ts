// The event merger with a fake clock: a join seen by three servers within the window is one
// entry naming the ports; the same event twice from one port is two entries; different
// events stay apart and in order; drop summaries are added up in plain words; names stay quoted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../../src/wire.ts';
import type { ServerEvent } from '../../discovery/core/server-events.ts';
import { EventMerger, MERGE_WINDOW_MS } from '../../discovery/edge/view/event-merger.ts';

const ID = 'ab12cd34'.repeat(8);
const at: Endpoint = ['1.2.3.4', 5];
const join = (name = 'alice'): ServerEvent => ({ type: 'join', peer: { id: ID, name, observed: at } });
const leave = (): ServerEvent => ({ type: 'leave', peer: { id: ID, name: 'alice', observed: at }, reason: 'left' });

describe('event merger', () => {
  it('one join on three ports is one entry naming the ports, once its window closes', () => {
    const m = new EventMerger();
    m.push(8001, join(), 0);
    m.push(8000, join(), 1);
    m.push(8002, join(), 3);
    assert.deepEqual(m.poll(MERGE_WINDOW_MS - 1), [], 'still waiting for twins');
    assert.equal(m.nextTimeout(), MERGE_WINDOW_MS);
    const entries = m.poll(MERGE_WINDOW_MS);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.text, 'join    "alice" (ab12cd34) from 1.2.3.4:5 on 8000,8001,8002');
    assert.deepEqual(entries[0]?.ports, [8000, 8001, 8002]);
    assert.equal(m.nextTimeout(), undefined);
  });

  it('the same event twice from one port, a twin after the window, and other events are separate entries, in order', () => {
    const m = new EventMerger();
    m.push(8000, join(), 0);
    m.push(8000, join(), 10); // a second logical join (left and came back)
    m.push(8000, leave(), 20);
    m.push(8001, join(), 30); // merges with the first join
    m.push(8001, join(), MERGE_WINDOW_MS + 15); // too late for any
    const entries = [...m.poll(10_000)];
    assert.deepEqual(
      entries.map((e) => e.text.replace(/\s+/g, ' ')),
      [
        'join "alice" (ab12cd34) from 1.2.3.4:5 on 8000,8001',
        'join "alice" (ab12cd34) from 1.2.3.4:5 on 8000',
        'leave "alice" (ab12cd34) at 1.2.3.4:5 on 8000',
        'join "alice" (ab12cd34) from 1.2.3.4:5 on 8001',
      ],
    );
  });

  it('drop summaries of the ports are added up, in plain words', () => {
    const m = new EventMerger();
    m.push(8000, { type: 'drops', counts: { malformed: 3, 'register-bad-signature': 1 }, total: 4, sinceMs: 10 }, 0);
    m.push(8001, { type: 'drops', counts: { malformed: 2 }, total: 2, sinceMs: 20 }, 1);
    const [entry] = m.poll(1_000);
    assert.equal(entry?.text, 'drops   6: not CBOR (garbage) ×5; forged registration (bad signature) ×1 on 8000,8001');
  });

  it('a name cannot fake an id, an address or a line', () => {
    const m = new EventMerger();
    m.push(8000, join('x" (deadbeef) from 9.9.9.9:1 on 8000\nspoof\u202e'), 0);
    const [entry] = m.flush();
    assert.equal(entry?.text.includes('\n'), false);
    assert.match(entry?.text ?? '', /^join {4}"x\\" \(deadbeef\) from 9\.9\.9\.9:1 on 8000\\nspoof\\u202e" \(ab12cd34\) from 1\.2\.3\.4:5 on 8000$/);
  });
});
