// Worker thread entry: runs the integrity check on the file named in workerData and posts
// the result back once. See integrity-check.ts.

import { parentPort, workerData } from 'node:worker_threads';
import { runCheck } from './integrity-check.ts';

parentPort?.postMessage(runCheck(String((workerData as { path: unknown }).path)));
