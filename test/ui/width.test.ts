import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputLine } from '../../client/ui/input-line.ts';
import { padToWidth, sliceToWidth, strWidth, truncate, wrapToWidth } from '../../client/ui/width.ts';

test('display width: ASCII 1, accents 1, CJK 2, astral emoji 2, combining 0', () => {
  assert.equal(strWidth('hello'), 5);
  assert.equal(strWidth('olá'), 3);
  assert.equal(strWidth('日本語'), 6);
  assert.equal(strWidth('👋'), 2);
  assert.equal(strWidth('⚡'), 2);
  assert.equal(strWidth('e\u0301'), 1);
  assert.equal(strWidth('hello olá 日本語 👋'), 19);
});

test('slicing, truncating and padding never split a wide character', () => {
  assert.equal(sliceToWidth('ab日本', 3), 'ab');
  assert.equal(sliceToWidth('a👋b', 2), 'a');
  assert.equal(truncate('日本語テキスト', 7), '日本語…');
  assert.equal(strWidth(padToWidth('a👋', 6)), 6);
});

test('wrapping keeps every line within the width', () => {
  const text = 'hello olá 日本語 👋 '.repeat(6);
  for (const width of [5, 7, 13, 20]) {
    const lines = wrapToWidth(text, width);
    for (const line of lines) assert.ok(strWidth(line) <= width, `${line} > ${width}`);
    assert.equal(lines.join('').replace(/ /g, ''), text.replace(/ /g, ''));
  }
});

test('input line edits by code point and scrolls to keep the cursor visible', () => {
  const line = new InputLine();
  line.insert('hé日👋');
  line.backspace();
  assert.equal(line.value, 'hé日');
  line.left();
  line.insert('x');
  assert.equal(line.value, 'héx日');
  line.end();
  line.insert('abcdef');
  const view = line.view(6);
  assert.ok(strWidth(view.text) <= 6);
  assert.equal(view.cursorCol, strWidth(view.text));
  assert.ok(view.cursorCol < 6);
  assert.equal(line.take(), 'héx日abcdef');
  assert.equal(line.value, '');
});
