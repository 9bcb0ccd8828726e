/** The dependencies of a `--wait-for-deps` run that the run does not run itself. */
import { UserError } from '../errors.js';
import { branchExists } from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import { foldLogCached } from '../log/fold-cache.js';
import type { RunOptions } from './run.js';

/**
 * With `--wait-for-deps`, the dependencies the run will not run itself (not selected) must be
 * complete in the log, from an earlier run, with their branches still there: a feature cut without
 * one would build on code that is not there. Refused before anything is created, naming each one and
 * the command that runs them together (those dependencies' own unfinished ones included).
 */
export async function checkUnselectedDependencies(opts: RunOptions): Promise<void> {
  if (!opts.waitForDeps) return;
  const selected = new Set(opts.featureIds);
  const features = foldLogCached(opts.logPath).state.features;
  const depsOf = (id: string) => opts.plan.byId.get(id)?.depends_on.features ?? [];
  const missing: string[] = [];
  const toRun = new Set<string>();
  const visit = async (id: string, dep: string) => {
    if (selected.has(dep) || toRun.has(dep)) return;
    const status = features[dep]?.status;
    const gone = status === 'complete' && !(await branchExists(opts.root, featureBranch(dep)));
    if (status === 'complete' && !gone) return;
    toRun.add(dep);
    const why = gone ? `complete, but its branch ${featureBranch(dep)} is gone` : (status ?? 'never run');
    missing.push(`${id} depends on ${dep} (${why})`);
    for (const next of depsOf(dep)) await visit(dep, next);
  };
  for (const id of opts.featureIds) for (const dep of depsOf(id)) await visit(id, dep);
  if (missing.length === 0) return;
  const together = opts.plan.features
    .map((f) => f.feature_id)
    .filter((id) => toRun.has(id) || selected.has(id));
  throw new UserError(
    'run/dependency-not-complete',
    `--wait-for-deps: ${missing.join('; ')}; a dependency neither complete nor in this run has no code to merge in, so nothing was started`,
    { hint: `Run them together: baton run --wait-for-deps ${together.join(' ')}` },
  );
}
