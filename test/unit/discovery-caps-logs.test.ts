// Server log lines quote names: free text in a name cannot fake an id, an address or a new
// line, nor reorder the line with bidi controls.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describe as describeEvent, quoteName } from '../../discovery/edge/log-view.ts';
import type { ServerEvent } from '../../discovery/core/server-engine.ts';

const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

describe('server log lines', () => {
  it('quote a name that imitates an id and an address, so the real ones stay apart', () => {
    const fake = 'bob (deadbeef) from 6.6.6.6:1\njoin    carol';
    const line = describeEvent({ type: 'join', peer: { id: ID, name: fake, observed: ['203.0.113.5', 4000] } } as ServerEvent);
    assert.equal(line, 'join    "bob (deadbeef) from 6.6.6.6:1\\njoin    carol" (a1b2c3d4) from 203.0.113.5:4000');
    assert.ok(!line.includes('\n'));
  });

  it('escape controls, bidi and zero-width characters, separators and odd spaces', () => {
    const nasty = 'a\u202eb\u2066c\u200bd\u009be\u2028f\u00a0g\u3000h\u0007i"j\\k\ue000l';
    const quoted = quoteName(nasty);
    assert.equal(quoted, '"a\\u202eb\\u2066c\\u200bd\\u009be\\u2028f\\u00a0g\\u3000h\\u0007i\\"j\\\\k\\ue000l"');
    assert.match(quoted, /^[\x20-\x7e]*$/, 'nothing but printable ASCII is left');
    assert.equal(JSON.parse(quoted), nasty, 'and it reads back as the name');
    assert.equal(quoteName('Zoë 李'), '"Zoë 李"', 'ordinary letters stay readable');
  });

  it('quote both names of a rename and the names in introductions and relay lines', () => {
    const peer = { id: ID, name: 'x"y', observed: ['203.0.113.5', 4000] as [string, number] };
    assert.equal(describeEvent({ type: 'rename', peer, previousName: 'a b' } as ServerEvent), 'rename  "a b" -> "x\\"y" (a1b2c3d4)');
    assert.match(describeEvent({ type: 'introduction', from: peer, to: peer } as ServerEvent), /^intro +"x\\"y" \(a1b2c3d4\)/);
    assert.match(describeEvent({ type: 'relay_start', from: peer, to: peer } as ServerEvent), /^relay\+ +"x\\"y" \(a1b2c3d4\) -> "x\\"y"/);
  });
});
