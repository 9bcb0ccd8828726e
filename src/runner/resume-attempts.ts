/**
 * How a run continues an interrupted best-of-N run: with the attempts count and the selection rule its
 * `run.started` recorded, never with fewer attempts than the log shows ran, and with the end recorded
 * of each attempt the dead run left under way that this run does not run again.
 */
import { type AttemptPlan, undecidedAttemptCounts, undecidedSelects } from '../attempts/plan.js';
import { onAttemptBranch } from '../attempts/proof.js';
import { attemptUnitId } from '../contracts/feature-id.js';
import type { SelectPolicy } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { localBranches } from '../git/branches.js';
import { attemptBranch } from '../git/refs.js';
import { UNFINISHED } from '../guard/liveness.js';
import { type BatonState, featureAt } from '../log/fold.js';
import { foldLogCached } from '../log/fold-cache.js';
import type { EventSink } from '../log/sink.js';
import type { AttemptState } from '../log/state.js';
import { stoppedUnrun } from './attempts.js';
import { resumeRunCommand, runAgainFlags } from './resume-command.js';
import type { RunOptions } from './run-options.js';

/**
 * The undecided best-of-N features of an interrupted run, with their attempts count, for a run given
 * no `--attempts`: a resume runs them as that run did. A fresh run refuses one whose attempts' branches
 * are still there (as it refuses a feature's existing branch): starting it over as a plain run would
 * leave them undecided, and `--resume` decides them.
 */
export async function interruptedBestOfN(
  opts: RunOptions,
  earlier: BatonState | undefined,
): Promise<Map<string, number> | undefined> {
  if (opts.attempts !== undefined || opts.dryRun) return undefined;
  const state = earlier ?? foldLogCached(opts.logPath, 'decide').state;
  const counts = undecidedAttemptCounts(state, opts.featureIds);
  if (opts.resume || counts.size === 0) return counts;
  const branches = await localBranches(opts.root);
  const left = [...counts.keys()].filter((id) =>
    Array.from({ length: counts.get(id) ?? 0 }, (_, i) => attemptBranch(id, i + 1)).some((b) =>
      branches.has(b),
    ),
  );
  if (left.length === 0) return undefined;
  throw new UserError(
    'run/undecided-attempts',
    `best-of-N for ${left.join(', ')} was interrupted before a winner was selected; the attempts' branches (${attemptBranch(left[0] ?? '', 1)}, …) are still there`,
    {
      hint: `Continue it with \`${resumeRunCommand(left, runAgainFlags(opts))}\` (it reads the attempts count from the log), or remove the attempts with \`baton clean ${left.join(' ')} --force\`.`,
    },
  );
}

/** A resume's undecided best-of-N features with the selection rule their run recorded (`--select` wins over it). */
export function resumedSelects(earlier: BatonState | undefined, opts: RunOptions): Map<string, SelectPolicy> {
  return earlier ? undecidedSelects(earlier, opts.featureIds) : new Map();
}

/**
 * A resume whose `--attempts` is lower than an attempt the log shows ran, of a feature not decided yet,
 * is refused before anything changes: that attempt's work (ended, or its agent still running) would be
 * left out of the selection, and its agent left running.
 */
export function refuseFewerAttempts(
  opts: RunOptions,
  earlier: BatonState | undefined,
  bestOfN: ReadonlyMap<string, AttemptPlan>,
): void {
  if (!earlier || opts.attempts === undefined) return;
  for (const [id, recorded] of undecidedAttemptCounts(earlier, opts.featureIds)) {
    const count = bestOfN.get(id)?.agents.length ?? 1;
    const beyond = Object.values(featureAt(earlier, id)?.attempts ?? {})
      .filter((a) => a.attempt > count)
      .sort((a, b) => a.attempt - b.attempt);
    if (beyond.length === 0) continue;
    const flag = typeof opts.attempts === 'number' ? String(opts.attempts) : opts.attempts.join(',');
    const which = beyond.map((a) => `attempt ${a.attempt} (${a.status})`).join(', ');
    throw new UserError(
      'run/fewer-attempts',
      `the interrupted best-of-N run of ${id} had ${recorded} attempts; --attempts ${flag} would leave out ${which}, which that run started`,
      {
        hint: `Resume without --attempts: \`${resumeRunCommand([id], runAgainFlags(opts))}\` runs the ${recorded} attempts the log recorded, keeps those that ended and selects among them all.`,
      },
    );
  }
}

/**
 * Attempts of the run's features that the log shows under way (the dead run's) and that this run does
 * not run again (a feature decided without them): each gets its `attempt.ended`, stopped, so none stays
 * listed as running. The resume stopped their agents first (`stopOrphans`).
 */
export function endDroppedAttempts(
  sink: EventSink,
  earlier: BatonState | undefined,
  opts: Pick<RunOptions, 'featureIds'>,
  unitIds: readonly string[],
): void {
  for (const id of opts.featureIds) {
    const attempts = earlier ? Object.values(featureAt(earlier, id)?.attempts ?? {}) : [];
    for (const a of attempts) {
      if (!UNFINISHED.has(a.status) || unitIds.includes(attemptUnitId(id, a.attempt))) continue;
      const why = `stopped: the run that started it died, and the resume does not run attempt ${a.attempt} again`;
      sink.emit({ type: 'attempt.ended', feature_id: id, ...stoppedUnrun(a.attempt, why) });
    }
  }
}

/**
 * The attempts of the run's features that ended in an earlier run and whose recorded commit is no
 * longer on their own branch `baton/<id>.a<n>` (`onAttemptBranch`: `baton clean --force <id>.a<n>`
 * removed it, or it was moved off that commit), by unit id. A resume runs them again rather than keep
 * them: the choice could never put that commit on `baton/<id>` (`moveToWinner` asks the same).
 */
export async function unbackedAttempts(
  root: string,
  attempts: ReadonlyMap<string, Readonly<Record<string, AttemptState>>>,
  featureIds: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of featureIds) {
    for (const a of Object.values(attempts.get(id) ?? {})) {
      if (a.commit === undefined || UNFINISHED.has(a.status) || a.status === 'interrupted') continue;
      if (!(await onAttemptBranch(root, { featureId: id, attempt: a.attempt, commit: a.commit })))
        out.add(attemptUnitId(id, a.attempt));
    }
  }
  return out;
}
