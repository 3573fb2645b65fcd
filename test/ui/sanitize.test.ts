import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeTags, sanitize, stripUnsafe } from '../../client/ui/sanitize.ts';

test('strips ESC sequences, C0/C1 controls and DEL, keeping the printable rest', () => {
  assert.equal(stripUnsafe('a\x1b[2Jb\x1b]0;pwned\x07c'), 'a[2Jb]0;pwnedc');
  assert.equal(stripUnsafe('x\x00\x08\x7f\x80\x9b2J\x9fy'), 'x2Jy');
});

test('strips bidi embeddings, overrides and isolates', () => {
  const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
  assert.equal(stripUnsafe(`evil${bidi}txt.exe`), 'eviltxt.exe');
});

test('newlines and tabs become spaces', () => {
  assert.equal(stripUnsafe('a\nb\r\nc\td\u2028e'), 'a b c d e');
});

test('keeps Unicode text: accents, CJK, emoji, ZWJ sequences', () => {
  const text = 'olá 日本語 👋 👩‍💻 ❤️';
  assert.equal(stripUnsafe(text), text);
});

test('escapes blessed tags so they show literally', () => {
  assert.equal(escapeTags('{red-fg}x{/red-fg}'), '{open}red-fg{close}x{open}/red-fg{close}');
  assert.equal(sanitize('\x1b[31m{bold}hi'), '[31m{open}bold{close}hi');
});
