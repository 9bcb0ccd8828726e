/**
 * Loads the project in a worker thread for a `status` whose cached plan is stale, so the main thread
 * folds the log meanwhile; posts the plan facts `status` needs (with the problem, when the project does
 * not load), or `{ failed: true }` when not even git answers (status then shows what the log names).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { yieldToMainThread } from '../process/yield-to-main.js';
import { statusFacts } from '../project.js';

// The main thread folds the log meanwhile: the plan is needed only once that is over.
yieldToMainThread();

// No top-level await: the bundle (rolldown.config.mjs) is CommonJS.
statusFacts((workerData as { cwd: string }).cwd).then(
  (facts) => parentPort?.postMessage(facts),
  () => parentPort?.postMessage({ failed: true }),
);
