/**
 * Where `status` gets the plan facts from: the cached plan (no git, no yaml, no zod) when it is
 * fresh; otherwise the project, loaded in a worker thread when Baton runs built, so that the first
 * read of a large log and the parsing of the contracts proceed at once. From sources (the tests) the
 * project loads in this thread; either way the result is cached for the next status.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mainWorktreeFromFiles } from '../git/main-worktree-files.js';
import type { StatusFacts } from '../project.js';
import type { CliContext } from './context.js';
import { readStatusPlan, type StatusPlan, writeStatusPlan } from './status-plan.js';

type Loaded = StatusFacts;

async function loadHere(cwd: string): Promise<Loaded | undefined> {
  try {
    const { statusFacts } = await import('../project.js');
    return await statusFacts(cwd);
  } catch {
    return undefined;
  }
}

/** The project's plan facts from a worker thread, started before this returns; undefined when the project does not load. */
function loadInWorker(
  Worker: typeof import('node:worker_threads').Worker,
  cwd: string,
  script: URL,
): Promise<Loaded | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(script, { workerData: { cwd } });
    worker.once('message', (m: Loaded | { failed: true }) => {
      settled = true;
      resolve('failed' in m ? undefined : m);
      void worker.terminate();
    });
    // A worker that could not start or run: load here instead, as without one.
    const instead = () => {
      if (settled) return;
      settled = true;
      resolve(loadHere(cwd));
    };
    worker.once('error', instead);
    worker.once('exit', instead);
  });
}

/**
 * The main worktree, and the plan facts (a promise: the caller folds the log before awaiting it).
 * The cached plan is looked for first where the file system says the repository is (no git process);
 * it names the root git gave when it was written, so a wrong guess finds no plan and git is asked.
 */
export async function locatePlan(
  ctx: CliContext,
): Promise<{ root: string; plan: Promise<StatusPlan & Pick<StatusFacts, 'problem'>> }> {
  const guess = mainWorktreeFromFiles(ctx.cwd);
  const quick = guess === undefined ? undefined : readStatusPlan(guess);
  if (quick) return { root: quick.root, plan: Promise.resolve(quick) };
  // git (and its module) only when the guess found no plan.
  const { findMainWorktree } = await import('../git/git.js');
  const root = await findMainWorktree(ctx.cwd);
  const cached = readStatusPlan(root);
  if (cached) return { root, plan: Promise.resolve(cached) };
  // Beside this module, with its extension: `.js` from tsc, `.cjs` in the bundle; none from sources.
  const ext = extname(import.meta.url);
  const script = new URL(`./status-plan-worker${ext}`, import.meta.url);
  const built = ext !== '.ts' && existsSync(fileURLToPath(script));
  // The worker is started before this returns: the caller then folds the log without yielding, and a
  // worker started after that (behind an `await`) would leave the plan to load once the fold is over.
  // By require, not import(): a chunk that calls import() is not compiled from cached code on Node 20
  // (bin/compile-cache.js), and this one runs on every `baton status`.
  const Worker = built
    ? (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker
    : undefined;
  const plan = (Worker ? loadInWorker(Worker, ctx.cwd, script) : loadHere(ctx.cwd)).then(
    (loaded): StatusPlan & Pick<StatusFacts, 'problem'> => {
      // Status still works from the log alone when the contracts do not load.
      if (!loaded) return { root, ids: [] };
      const { specs, ...facts } = loaded;
      // Kept only when the project loaded, so a broken one is looked at (and told) again next time.
      if (specs !== undefined && facts.problem === undefined) writeStatusPlan(facts, specs);
      return facts;
    },
  );
  return { root, plan };
}
