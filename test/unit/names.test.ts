import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkName, isValidName, looksAlike, nameSkeleton } from '../../src/names.ts';
import { isLanCandidate, lanCandidates } from '../../src/candidates.ts';
import { toJsonLine } from '../../src/json-line.ts';

describe('names', () => {
  it('normalises with NFKC', () => {
    assert.deepEqual(checkName('ｂｏｂ'), { ok: true, name: 'bob' });
    assert.equal(isValidName('bob'), true);
    assert.equal(isValidName('ｂｏｂ'), false, 'not normalised: the wire accepts only the normal form');
  });

  it('refuses invisible, format and direction characters', () => {
    for (const bad of ['bob\u200b', 'b\u200dob', '\u200ebob', 'bob\u202e', 'bo\u2066b', 'bob\u00ad', 'bob\ufe0f', 'bob\u2028', 'bo\u0007b', 'bob\u0085', 'a\u3164b']) {
      const c = checkName(bad);
      assert.equal(c.ok, false, JSON.stringify(bad));
    }
  });

  it('refuses empty, padded and over-long names; accepts CJK, accents and spaces inside', () => {
    assert.equal(checkName('').ok, false);
    assert.equal(checkName(' bob').ok, false);
    assert.equal(checkName('x'.repeat(33)).ok, false);
    assert.equal(checkName('x'.repeat(32)).ok, true);
    for (const good of ['日本語', 'José', 'Anne Marie', 'Ωmega']) assert.equal(checkName(good).ok, true, good);
  });

  it('skeletons follow TS #39: homoglyphs and case look alike, different names do not', () => {
    assert.equal(looksAlike('bob', 'b\u043eb'), true, 'Cyrillic o');
    assert.equal(looksAlike('paypal', 'paypa1'), true, 'digit one as l');
    assert.equal(looksAlike('Bob', 'bob'), true);
    assert.equal(looksAlike('bob', 'bob'), false, 'the same name is not a look-alike');
    assert.equal(looksAlike('bob', 'rob'), false);
    assert.equal(nameSkeleton('rn'), nameSkeleton('m'), 'rn/m, the classic');
    assert.equal(nameSkeleton('e\u0301'), nameSkeleton('\u00e9'), 'NFD first');
  });
});

describe('LAN candidates', () => {
  it('accepts private, link-local, CGNAT and loopback IP literals only', () => {
    for (const ok of ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.5', '169.254.9.9', '100.64.0.1', '100.127.1.1', '127.0.0.1', 'fd00::1', 'fe80::1', '::1']) {
      assert.equal(isLanCandidate([ok, 4000]), true, ok);
    }
    for (const bad of ['203.0.113.5', '8.8.8.8', '172.32.0.1', '100.128.0.1', '224.0.0.1', '255.255.255.255', '0.0.0.0', 'bad.cafe', 'localhost', '2001:db8::1', 'ff02::1', '']) {
      assert.equal(isLanCandidate([bad, 4000]), false, bad);
    }
    assert.equal(isLanCandidate(['10.0.0.1', 0]), false);
    assert.deepEqual(lanCandidates([['10.0.0.1', 1], ['8.8.8.8', 1], ['10.0.0.1', 1]]), [['10.0.0.1', 1]]);
  });
});

describe('JSON lines', () => {
  it('escapes C1 controls and U+2028/U+2029, and stays parseable', () => {
    const text = 'a\u0085b\u009bc\u2028d\u2029e';
    const line = toJsonLine({ text });
    assert.equal(line.endsWith('\n'), true);
    assert.equal(/[\u0080-\u009f\u2028\u2029]/.test(line), false);
    assert.deepEqual(JSON.parse(line), { text });
  });
});
