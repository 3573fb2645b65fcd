// `npm run bench [-- --quick] [-- --out FILE] [-- --only key,key]`: natter's performance
// figures, each a median and p95 over repeated runs next to a baseline measured in the same
// run. Prints a table on stdout, progress on stderr, and writes JSON: to --out FILE if
// given, else to bench/results.json after a full run (every suite, not --quick), else to a
// fresh temporary file, so a quick or partial run never overwrites the recorded figures.
// See bench/README.md.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectFigure } from './bench/connect.ts';
import { historyFigures } from './bench/history.ts';
import { idleFigures } from './bench/idle.ts';
import { lossyFigures } from './bench/lossy.ts';
import { outboxDrainFigure } from './bench/outbox-drain.ts';
import { rttFigure } from './bench/rtt.ts';
import { serverMemoryFigures } from './bench/server-memory.ts';
import { serverRateFigure } from './bench/server-rate.ts';
import { progress, round, type Figure } from './bench/stats.ts';
import { throughputFigure } from './bench/throughput.ts';
import { ROOT } from '../test/helpers/root.ts';

const SUITES: { name: string; keys: string[]; run: (quick: boolean) => Promise<Figure[]> }[] = [
  { name: 'rtt', keys: ['rtt'], run: rttFigure },
  { name: 'throughput', keys: ['throughput'], run: throughputFigure },
  { name: 'lossy', keys: ['lossy10', 'lossy30'], run: lossyFigures },
  { name: 'connect', keys: ['connect'], run: connectFigure },
  { name: 'serverRate', keys: ['serverRate'], run: serverRateFigure },
  { name: 'serverMemory', keys: ['serverMemory', 'serverListP99'], run: serverMemoryFigures },
  { name: 'idle', keys: ['idleCpu', 'idleRss'], run: idleFigures },
  { name: 'history', keys: ['historyCommit', 'historyOpen', 'historyPage', 'historySearch'], run: historyFigures },
  { name: 'outboxDrain', keys: ['outboxDrain'], run: outboxDrainFigure },
];

/** Hard bound on the whole run: a wedged figure must not hang CI. */
const TOTAL_CAP_MS = { quick: 110_000, full: 600_000 };

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    date: new Date().toISOString(),
  };
}

const fmt = (v: number): string => {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(3);
};

export function table(figures: Figure[]): string {
  const rows = [['figure', 'how', 'p50', 'p95', 'baseline p50', 'ratio', 'target', 'met']];
  for (const f of figures) {
    rows.push([
      f.title,
      f.how,
      `${fmt(f.value.median)} ${f.unit}`,
      `${fmt(f.value.p95)}`,
      `${fmt(f.baseline.median)} ${f.baseline.unit} (${f.baseline.what})`,
      fmt(f.ratio),
      f.target,
      f.met ? 'yes' : 'NO',
    ]);
  }
  return rows.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map(() => '---').join('|')}|` : ''}`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- [--quick] [--out FILE] [--only ${SUITES.map((s) => s.name).join(',')}]\n`);
    return;
  }
  const quick = values.quick === true;
  const only = values.only?.split(',').map((s) => s.trim());
  const out = resultsFile(values.out, quick || only !== undefined);
  const started = performance.now();
  const figures: Figure[] = [];
  const failures: Record<string, string> = {};
  const cap = setTimeout(() => {
    process.stderr.write(`bench: over the ${quick ? 'quick' : 'full'} time cap; exiting\n`);
    process.exit(2);
  }, quick ? TOTAL_CAP_MS.quick : TOTAL_CAP_MS.full);
  cap.unref();
  for (const suite of SUITES) {
    if (only && !only.includes(suite.name)) continue;
    const t0 = performance.now();
    progress(`${suite.name}: start`);
    try {
      figures.push(...(await suite.run(quick)));
    } catch (err) {
      failures[suite.name] = err instanceof Error ? err.message : String(err);
      progress(`${suite.name}: FAILED: ${failures[suite.name]}`);
    }
    progress(`${suite.name}: ${Math.round(performance.now() - t0)} ms`);
  }
  const result = {
    quick,
    machine: machine(),
    durationMs: Math.round(performance.now() - started),
    figures: figures.map((f) => ({
      ...f,
      value: roundAll(f.value),
      baseline: roundAll(f.baseline),
      ratio: round(f.ratio),
      extra: Object.fromEntries(Object.entries(f.extra).map(([k, v]) => [k, round(v)])),
    })),
    failures,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${table(figures)}\n\n${Object.keys(failures).length ? `failed: ${JSON.stringify(failures)}\n` : ''}results: ${out} (${Math.round(result.durationMs / 1000)} s)\n`);
  clearTimeout(cap);
  process.exitCode = Object.keys(failures).length ? 1 : 0;
}

/** --out if given; bench/results.json for a full run; a new temporary file otherwise. */
function resultsFile(outFlag: string | undefined, partial: boolean): string {
  if (outFlag !== undefined) return resolve(outFlag);
  if (!partial) return resolve(ROOT, 'bench/results.json');
  return join(mkdtempSync(join(os.tmpdir(), 'natter-bench-')), 'results.json');
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) as T;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
