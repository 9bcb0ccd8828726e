/**
 * Loads the project in a worker thread for a `status` whose cached plan is stale, so the main thread
 * folds the log meanwhile; posts the plan facts `status` needs, or `{ failed: true }` when the project
 * does not load (status then shows the features the log names, as it always has).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadProject } from '../project.js';

// No top-level await: the bundle (rolldown.config.mjs) is CommonJS.
loadProject((workerData as { cwd: string }).cwd).then(
  (project) =>
    parentPort?.postMessage({
      root: project.root,
      ids: [...project.plan.order],
      worktreesDir: project.config.worktrees,
      specs: project.config.specs,
    }),
  () => parentPort?.postMessage({ failed: true }),
);
