/** What a `baton run` that names no feature leaves out: those whose work the base already holds. */

import { isBestOfN, planAttempts } from '../attempts/plan.js';
import { batonBaseRefusal } from '../clean/base.js';
import type { AttemptsSpec } from '../contracts/schema.js';
import { alreadyInBaseWords, deliveredFeatures, runBase } from '../delivered.js';
import { existingBranches } from '../git/branches.js';
import { featureBranch } from '../git/refs.js';
import { foldLogCached } from '../log/fold-cache.js';
import type { Project } from '../project.js';
import { restartUnits } from '../runner/resume.js';
import { runAgainFlags } from '../runner/resume-command.js';
import { uncheckedBestOfN } from '../runner/run.js';
import type { CliContext } from './context.js';
import type { RunFlags } from './run.js';

/**
 * The plan's features less those whose work the run's base already holds (`deliveredFeatures`), the
 * ones left out named on stdout with the commands that run them again (a branch still there is
 * cleaned first: `baton run` never overwrites one); undefined when that leaves none (nothing runs).
 */
export async function leaveOutDelivered(
  ctx: CliContext,
  project: Pick<Project, 'root' | 'logPath' | 'config'>,
  ids: readonly string[],
  flagBase: string | undefined,
): Promise<readonly string[] | undefined> {
  // A base that is a Baton branch is refused before anything is judged delivered against it.
  const batonBase = await batonBaseRefusal(project.root, flagBase, project.config, 'run');
  if (batonBase) throw batonBase;
  const { state } = foldLogCached(project.logPath, 'decide');
  const base = runBase(flagBase, project.config);
  const delivered = await deliveredFeatures(project.root, state.features, ids, base);
  if (delivered.size === 0) return ids;
  const left = ids.filter((id) => delivered.has(id));
  const rest = ids.filter((id) => !delivered.has(id));
  const them = left.length === 1 ? 'it' : 'them';
  const where = `${alreadyInBaseWords(base, left.length)}; to run ${them} again, ${await rerunWords(project.root, left)}`;
  ctx.stdout.write(
    rest.length === 0
      ? `nothing to run: the work of every feature (${left.join(', ')}) is ${where}\n`
      : `left out ${left.join(', ')}: ${left.length === 1 ? 'its' : 'their'} work is ${where}\n`,
  );
  return rest.length === 0 ? undefined : rest;
}

/**
 * How to run delivered features again: name them, after `baton clean` of those whose branch is still
 * there (its work is in the base, so clean removes it; `baton run` refuses an existing branch).
 */
async function rerunWords(root: string, ids: readonly string[]): Promise<string> {
  const branches = await existingBranches(root, ids.map(featureBranch)).catch(() => new Set<string>());
  const kept = ids.filter((id) => branches.has(featureBranch(id)));
  const them = ids.length === 1 ? 'it' : 'them';
  if (kept.length === 0) return `name ${them}: baton run ${ids.join(' ')}`;
  const branchWords = kept.length === 1 ? `its branch ${featureBranch(kept[0]!)} is` : 'their branches are';
  return `remove what is left of the last run first (${branchWords} still there): baton clean ${kept.join(' ')}, then baton run ${ids.join(' ')}`;
}

/**
 * What a run with every feature left out refuses as a run that starts would: `--restart` without
 * `--resume` (`restartUnits`: a delivered feature is complete, a resume would skip it) and best-of-N
 * asked by `--attempts` with `--no-verify` (`uncheckedBestOfN`).
 */
export function refuseFlagsOfNoRun(
  project: Pick<Project, 'logPath' | 'config' | 'plan'>,
  flags: Pick<RunFlags, 'restart' | 'verify' | 'dryRun' | 'base' | 'agent' | 'attempts'>,
  attempts: AttemptsSpec | undefined,
): void {
  if (flags.restart?.length) {
    const { features } = foldLogCached(project.logPath, 'decide').state;
    restartUnits({
      resume: false,
      restart: flags.restart,
      featureIds: [],
      planIds: project.plan.order,
      units: [],
      complete: (id) => Object.hasOwn(features, id) && features[id]?.status === 'complete',
      kept: () => false,
      again: runAgainFlags(flags),
    });
  }
  const bestOfN =
    attempts !== undefined &&
    isBestOfN(planAttempts({ flag: attempts, contract: {}, config: project.config }));
  if (bestOfN && !flags.verify && !flags.dryRun)
    throw uncheckedBestOfN(`--attempts ${flags.attempts} asks for best-of-N`);
}
