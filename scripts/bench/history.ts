// The history database's figures (issue 10), on real files in a fresh temporary directory
// on the same file system as the other temporary files: durable commit throughput against a
// bare insert loop, then open, scrollback and search over a large history.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { historyCommitFigure } from './history-commit.ts';
import { historyScaleFigures } from './history-scale.ts';
import type { Figure } from './stats.ts';

export async function historyFigures(quick: boolean): Promise<Figure[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'natter-bench-history-'));
  try {
    const figures = [historyCommitFigure(join(dir, 'commit.sqlite3'), quick)];
    figures.push(...historyScaleFigures(join(dir, 'scale.sqlite3'), quick ? 100_000 : 1_000_000, quick));
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
