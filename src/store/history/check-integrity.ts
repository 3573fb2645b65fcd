// checkIntegrity(): the full check in a worker thread, resolving once with its answer. On
// Node 20 a worker does not inherit tsx's loader hooks (neither from `tsx` nor from
// `node --import tsx`, execArgv or not), so a small bootstrap registers tsx inside the worker
// and then imports the TypeScript entry. If the worker itself cannot run, the check runs
// here after all (late, but a damaged file must still be found): it never rejects.

import { Worker } from 'node:worker_threads';
import { runCheck, type IntegrityResult } from './integrity-check.ts';

export type { IntegrityResult } from './integrity-check.ts';

export function checkIntegrity(path: string): Promise<IntegrityResult> {
  return checkIntegrityInWorker(path).catch(
    // setImmediate: let the first screen draw before the slow check blocks this thread.
    () => new Promise<IntegrityResult>((resolve) => setImmediate(() => resolve(runCheck(path)))),
  );
}

/** The check in a worker thread only: rejects if the worker cannot run or dies without an answer. */
export function checkIntegrityInWorker(path: string): Promise<IntegrityResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap(), { eval: true, workerData: { path } });
    // The check must not keep a quitting client alive.
    worker.unref();
    worker.once('message', (result: IntegrityResult) => resolve(result));
    worker.once('error', reject);
    // After a message this is a no-op (settled); before one it means the worker died silently.
    worker.once('exit', (code) => reject(new Error(`integrity worker exited (${code}) without an answer`)));
  });
}

/** The worker's code: register tsx (resolved from here, not from the cwd), then run the entry. */
function bootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./integrity-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
}
