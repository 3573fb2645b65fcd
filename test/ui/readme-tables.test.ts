// README's key and command tables against the UI's registry (client/ui/help.ts), both ways:
// every key and command the UI has is in README, and README lists nothing the UI lacks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMANDS, KEYS } from '../../client/ui/help.ts';

/** The first column of the markdown table whose header row starts with `| header |`. */
function firstColumn(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  assert.ok(start >= 0, `README has a table headed "${header}"`);
  const out: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = /^\|\s*((?:[^|\\]|\\\|)*?)\s*\|/.exec(line)?.[1] ?? '';
    out.push(cell.replace(/\\\|/g, '|').replace(/`/g, ''));
  }
  return out;
}

const readme = readFileSync(process.env.NATTER_README ?? 'README.md', 'utf8');
/** Until the lead merges the issue-15 tables (/tmp/notes-tui.md) into README, this is a todo, reported, not failed. */
const todo = readme.includes('| Alt-1 |') ? false : 'README\'s tables still predate issue 15 (Alt-1 missing)';

test('README\'s key table lists exactly the UI\'s keys', { todo }, () => {
  assert.deepEqual([...firstColumn(readme, 'key')].sort(), KEYS.map((k) => k.key).sort());
});

test('README\'s command table lists exactly the UI\'s commands', { todo }, () => {
  assert.deepEqual([...firstColumn(readme, 'command')].sort(), COMMANDS.map((c) => c.usage).sort());
});
