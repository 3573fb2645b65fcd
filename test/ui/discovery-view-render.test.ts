// The terminal table as data (no terminal needed): every line exactly as wide as the screen
// whatever the names (CJK, emoji, quotes, escapes, bidi), no control character reaches the
// screen, names are quoted, the log gets the rows left and shows the latest lines.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkState } from '../../discovery/edge/view/network-state.ts';
import { fit, renderScreen } from '../../discovery/edge/view/terminal-view.ts';

const NOW = Date.UTC(2026, 11, 4, 18, 0, 0);
const rates = { r10s: 1.5, r1m: 0.25, r5m: 0 };
const id = (c: string) => c.repeat(64);

function state(names: string[]): NetworkState {
  return {
    servers: [
      { addr: '127.0.0.1:8000', up: true, uptimeMs: 65_000, lastSeen: NOW, clients: names.length, requests: rates, introductions: 2, relayedSessions: 1, relayedBytes: 2048, relayedBytesRate: rates, drops: { 'not CBOR (garbage)': 3 }, mailboxDepth: 0, local: true },
      { addr: '192.0.2.1:8000', up: false, lastSeen: NOW - 7_000, clients: 0, requests: rates, introductions: 0, relayedSessions: 0, relayedBytes: 0, relayedBytesRate: rates, drops: {}, mailboxDepth: 0, local: false },
    ],
    clients: names.map((name, i) => ({ id: id(String(i)), name, shortId: id(String(i)).slice(0, 8), fingerprint: '', nat: 'cone', observed: '203.0.113.5:4000', servers: ['127.0.0.1:8000'], since: NOW - 90_000, lastSeen: NOW })),
    paths: [{ a: id('0'), b: id('1'), via: 'relay', server: '127.0.0.1:8000', confirmed: false, since: NOW - 5_000, introductions: 1, outcomes: { direct: 0, relay: 1, failed: 0 } }],
  };
}

describe('terminal table', () => {
  it('every line exactly the screen width, whatever the names; nothing escapes', () => {
    const names = ['日本語の名前です長い名前', 'emoji 👋👋👋👋👋👋👋👋👋👋', 'x" (deadbeef) 1.2.3.4:5\u001b[2J\u202e'];
    const log = ['18:00:00 join    "x\\" (deadbeef)" (00000000) from 1.2.3.4:5 on 8000\u001b[31m'];
    for (const cols of [60, 100, 150]) {
      const lines = renderScreen(state(names), log, cols, 30, NOW);
      assert.ok(lines.length <= 30);
      for (const line of lines) {
        assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/, 'no control or bidi character');
        const width = [...line].reduce((n, c) => n + (/[\u3000-\u9fff]|\p{Extended_Pictographic}/u.test(c) ? 2 : 1), 0);
        assert.equal(width, cols, `line of width ${width}, not ${cols}: ${line}`);
      }
    }
    const wide = renderScreen(state(names), log, 150, 30, NOW).join('\n');
    assert.match(wide, /^"x\\" \(dead[^\n]*… 22222222 /m, 'the name quoted (cut to its column), the real id beside it');
    assert.match(wide, /from 1\.2\.3\.4:5 on 8000\?\[31m/, 'a raw escape in a log line is shown as ?');
    assert.match(wide, /192\.0\.2\.1:8000 +DOWN/);
    assert.match(wide, /relay via 127\.0\.0\.1:8000 +one end/);
    assert.match(wide, /not CBOR \(garbage\) ×3/);
    assert.match(wide, /1m05s/);
  });

  it('the log gets the rows left, the latest lines last', () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const lines = renderScreen(state(['a', 'b']), log, 80, 24, NOW).map((l) => l.trimEnd());
    assert.equal(lines.length, 24);
    assert.equal(lines.at(-1), 'line 99');
    assert.ok(!lines.includes('line 0'));
  });

  it('fit cuts with … and pads', () => {
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('ab', 4), 'ab  ');
    assert.equal(fit('日本語', 4), '日… ');
  });
});
