// Shared statistics for the benchmark: every figure is a median and a p95 (nearest rank)
// over repeated samples, next to a baseline measured in the same run.

export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of already sorted values (p in 0..100). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export const median = (values: readonly number[]): number => summarize(values).median;
export const p95 = (values: readonly number[]): number => summarize(values).p95;

/** Rounds for display and JSON: 3 significant decimals are plenty for noisy timings. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Progress on stderr: stdout carries only the table. */
export function progress(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** One figure of the report. Values are numbers (NaN-free when measured); `met` compares against the target. */
export interface Figure {
  key: string;
  title: string;
  /** Where it ran: in-process engines, child processes, loopback UDP. */
  how: string;
  unit: string;
  value: Summary;
  baseline: Summary & { what: string; unit: string };
  /** The figure's headline ratio to its baseline (as the target defines it). */
  ratio: number;
  target: string;
  met: boolean;
  notes: string[];
  extra: Record<string, number>;
}

export interface FigureInput {
  key: string;
  title: string;
  how: string;
  unit: string;
  samples: number[];
  baseline: { what: string; unit: string; samples: number[] };
  /** Headline ratio from the two summaries (e.g. value p50 / baseline p50). */
  ratio: (value: Summary, baseline: Summary) => number;
  target: string;
  met: (value: Summary, baseline: Summary, ratio: number) => boolean;
  notes?: string[];
  extra?: Record<string, number>;
}

export function makeFigure(f: FigureInput): Figure {
  const value = summarize(f.samples);
  const baseline = summarize(f.baseline.samples);
  const ratio = f.ratio(value, baseline);
  return {
    key: f.key,
    title: f.title,
    how: f.how,
    unit: f.unit,
    value,
    baseline: { ...baseline, what: f.baseline.what, unit: f.baseline.unit },
    ratio,
    target: f.target,
    met: value.n > 0 && baseline.n > 0 && f.met(value, baseline, ratio),
    notes: f.notes ?? [],
    extra: f.extra ?? {},
  };
}
