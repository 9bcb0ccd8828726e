/** The dependencies of a `--wait-for-deps` run that the run does not run itself. */

import { deliveredFeatures, runBase } from '../delivered.js';
import { UserError } from '../errors.js';
import { branchExists } from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import { foldLogCached } from '../log/fold-cache.js';
import type { RunOptions } from './run.js';

/**
 * With `--wait-for-deps`, the dependencies the run will not run itself (not selected) must be
 * complete in the log, from an earlier run, with their branches still there or their work already
 * in the run's base (`deliveredFeatures`: integrated, the branch cleaned up): a feature cut without
 * one would build on code that is not there. Refused before anything is created, naming each one and
 * the command that runs them together (those dependencies' own unfinished ones included). Returns
 * the dependencies whose work is in the base, with no branch to merge.
 */
export async function checkUnselectedDependencies(opts: RunOptions): Promise<ReadonlySet<string>> {
  const inBase = new Set<string>();
  if (!opts.waitForDeps) return inBase;
  const selected = new Set(opts.featureIds);
  const features = foldLogCached(opts.logPath, 'decide').state.features;
  const depsOf = (id: string) => opts.plan.byId.get(id)?.depends_on.features ?? [];
  const base = runBase(opts.base, opts.config);
  const missing: string[] = [];
  const toRun = new Set<string>();
  const visit = async (id: string, dep: string) => {
    if (selected.has(dep) || toRun.has(dep)) return;
    const status = features[dep]?.status;
    const branchGone = status === 'complete' && !(await branchExists(opts.root, featureBranch(dep)));
    if (branchGone && (await deliveredFeatures(opts.root, features, [dep], base)).has(dep)) {
      inBase.add(dep);
      return;
    }
    if (status === 'complete' && !branchGone) return;
    toRun.add(dep);
    const why = branchGone
      ? `complete, but its branch ${featureBranch(dep)} is gone and ${base} does not hold its work`
      : (status ?? 'never run');
    missing.push(`${id} depends on ${dep} (${why})`);
    for (const next of depsOf(dep)) await visit(dep, next);
  };
  for (const id of opts.featureIds) for (const dep of depsOf(id)) await visit(id, dep);
  if (missing.length === 0) return inBase;
  const together = opts.plan.features
    .map((f) => f.feature_id)
    .filter((id) => toRun.has(id) || selected.has(id));
  throw new UserError(
    'run/dependency-not-complete',
    `--wait-for-deps: ${missing.join('; ')}; a dependency neither complete nor in this run has no code to merge in, so nothing was started`,
    { hint: `Run them together: baton run --wait-for-deps ${together.join(' ')}` },
  );
}
