// `scripts/bench.ts --quick` runs end to end and writes every figure as numbers. Never a
// timing assertion: the machine running the tests decides the figures, not the test.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/root.ts';
const KEYS = ['rtt', 'throughput', 'lossy10', 'lossy30', 'connect', 'serverRate', 'serverMemory', 'serverListP99', 'idleCpu', 'idleRss', 'historyCommit', 'historyOpen', 'historyPage', 'historySearch', 'outboxDrain'];

test('bench --quick writes every figure, numeric, within 120 s', { timeout: 130_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-bench-'));
  const out = join(dir, 'results.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--quick', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearTimeout(killer);
    assert.equal(code, 0, `bench exited with ${code}; stderr tail: ${stderr.slice(-2000)}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      machine: Record<string, unknown>;
      figures: { key: string; value: Record<string, unknown>; baseline: Record<string, unknown>; ratio: unknown }[];
    };
    assert.equal(typeof result.machine.cpuModel, 'string');
    assert.equal(typeof result.machine.cores, 'number');
    for (const key of KEYS) {
      const f = result.figures.find((x) => x.key === key);
      assert.ok(f, `figure ${key} is missing`);
      for (const [what, v] of [['p50', f.value.median], ['p95', f.value.p95], ['baseline p50', f.baseline.median], ['ratio', f.ratio]] as const) {
        assert.equal(typeof v, 'number', `${key} ${what} is not a number: ${String(v)}`);
        assert.ok(Number.isFinite(v), `${key} ${what} is not finite`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
