// The structural lint rules reject what they claim to: planted violations (linted as if
// they lived at a path in the repo) fail, and the same code in an edge folder passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { ROOT } from '../helpers/root.ts';

const eslint = new ESLint({ cwd: ROOT });

/** The rule ids that fire when `code` is linted as the file at `path` (repo-relative). */
async function rulesFor(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const TIMER = 'export function later(f: () => void): void {\n  setTimeout(f, 10);\n}\n';
const CLOCK = 'export const stamp = (): number => Date.now();\n';

const planted: { what: string; path: string; code: string; rule: string }[] = [
  { what: 'a setTimeout in client/core', path: 'client/core/planted.ts', code: TIMER, rule: 'no-restricted-globals' },
  { what: 'setInterval through globalThis in src/', path: 'src/planted.ts', code: 'export const t = globalThis.setInterval(() => {}, 5);\n', rule: 'no-restricted-properties' },
  { what: 'Date.now in discovery/core', path: 'discovery/core/planted.ts', code: CLOCK, rule: 'no-restricted-properties' },
  { what: 'new Date() in discovery/data', path: 'discovery/data/planted.ts', code: 'export const d = (): Date => new Date();\n', rule: 'no-restricted-syntax' },
  { what: 'performance.now in src/reliability', path: 'src/reliability/planted.ts', code: 'export const p = (): number => performance.now();\n', rule: 'no-restricted-globals' },
  { what: 'a node:fs import in src/', path: 'src/planted.ts', code: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", rule: 'no-restricted-imports' },
  { what: 'a dgram import in discovery/data', path: 'discovery/data/planted.ts', code: "import dgram from 'dgram';\nexport const d = dgram;\n", rule: 'no-restricted-imports' },
  { what: 'a node:timers import in client/core', path: 'client/core/planted.ts', code: "import { setTimeout as later } from 'node:timers';\nexport const l = later;\n", rule: 'no-restricted-imports' },
  { what: 'process.env in src/', path: 'src/planted.ts', code: "export const v = process.env['NATTER_X'];\n", rule: 'no-restricted-properties' },
  { what: 'a blessed import in client/core', path: 'client/core/planted.ts', code: "import blessed from 'blessed';\nexport const b = blessed;\n", rule: 'no-restricted-imports' },
  { what: 'a blessed import in client/edge', path: 'client/edge/planted.ts', code: "import blessed from 'blessed';\nexport const b = blessed;\n", rule: 'no-restricted-imports' },
  { what: 'a client import from discovery/', path: 'discovery/edge/planted.ts', code: "import type { ClientEvent } from '../../client/core/events.ts';\nexport type E = ClientEvent;\n", rule: 'no-restricted-imports' },
  { what: 'a discovery import from client/', path: 'client/edge/planted.ts', code: "import type { Registry } from '../../discovery/core/registry.ts';\nexport type R = Registry;\n", rule: 'no-restricted-imports' },
  { what: 'a client import from src/net', path: 'src/net/planted.ts', code: "import type { ClientEvent } from '../../client/core/events.ts';\nexport type E = ClientEvent;\n", rule: 'no-restricted-imports' },
];

for (const p of planted) {
  test(`rejected: ${p.what}`, async () => {
    const rules = await rulesFor(p.path, p.code);
    assert.ok(rules.includes(p.rule), `${p.path}: expected ${p.rule}, got ${JSON.stringify(rules)}`);
  });
}

test('a new file in a core folder is covered by itself, even one folder deeper', async () => {
  const rules = await rulesFor('client/core/streams/new-part.ts', TIMER);
  assert.ok(rules.includes('no-restricted-globals'), JSON.stringify(rules));
});

for (const path of ['client/edge/planted.ts', 'src/net/planted.ts', 'src/store/planted.ts', 'discovery/edge/planted.ts']) {
  test(`allowed at the edge: timers, the clock and files in ${path}`, async () => {
    const code = `${TIMER}${CLOCK}import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n`;
    assert.deepEqual(await rulesFor(path, code), []);
  });
}

test('new Date(ms) is fine in a core folder (it reads no clock)', async () => {
  assert.deepEqual(await rulesFor('client/core/planted.ts', 'export const d = (ms: number): Date => new Date(ms);\n'), []);
});

test('an import cycle between two files is rejected', async () => {
  // no-cycle reads the imported file from disk, so the pair is written for real (in a
  // folder of its own inside the repo, so the repo's config applies) and removed after.
  const dir = join(ROOT, 'client', 'core', `planted-cycle-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'facade.ts'), "import { part } from './part.ts';\nexport const facade = (): number => part() + 1;\n");
    writeFileSync(join(dir, 'part.ts'), "import { facade } from './facade.ts';\nexport const part = (): number => (facade.length ? 1 : 0);\n");
    const results = await eslint.lintFiles([join(dir, 'facade.ts'), join(dir, 'part.ts')]);
    for (const r of results) {
      const rules = r.messages.map((m) => m.ruleId);
      assert.ok(rules.includes('import-x/no-cycle'), `${r.filePath}: ${JSON.stringify(rules)}`);
    }
    assert.equal(results.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a one-way import with no cycle passes the cycle rule', async () => {
  const rules = await rulesFor('client/core/planted.ts', "import { Fifo } from '../../src/fifo.ts';\nexport const q = new Fifo<number>();\n");
  assert.deepEqual(rules, []);
});
