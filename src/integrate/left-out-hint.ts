/**
 * What the summary and the hints say of the features an integration left out (pure): what to do about
 * each kind, and the command that takes what merged, never one `--into` is bound to refuse.
 */
import { INTEGRATION_BRANCH } from '../git/refs.js';
import type { FeatureStatus } from '../log/events.js';
import { ANY_BRANCH, type ContinueFlags, freshCommand, rerunCommands } from './continue-command.js';
import { verifyMovedHint } from './moved-since-failure.js';
import type { MergeStep } from './types.js';

/**
 * What to do about the selected features left out, and how to take what merged (pure), every command
 * with the integration's flags (`flags.into` undefined: none was named, `<branch>` shown), each naming
 * the features it integrates:
 * those that did not pass are fixed and re-run, but those whose branch moved since their checks failed
 * (`recheck`) are verified; those that passed and were left out for their commit
 * or a dependency are not re-run (the reason given for each says what it needs); those left out only
 * for a conflict (`--on-conflict skip`, and what depends on them) are integrated again and the
 * conflict resolved, after a fix and re-run for those `--include` let in (`included`: their checks
 * did not pass); and the command that takes only what merged names those features. A command that
 * names a feature let in by `--include` keeps `--include` and never names `--into`, which would
 * refuse it; one that names none drops `--include`, which changes nothing for it.
 */
export function leftOutHint(
  steps: readonly MergeStep[],
  flags: ContinueFlags,
  included: ReadonlyArray<{ feature_id: string; status: FeatureStatus }> = [],
): string | undefined {
  const ids = (keep: (s: MergeStep) => boolean) => steps.filter(keep).map((s) => s.feature_id);
  const letIn = new Map(included.map((f) => [f.feature_id, f.status]));
  const recheck = ids((s) => s.status === 'not-merged' && s.recheck === true);
  const rerun = ids(
    (s) =>
      s.status === 'not-run' ||
      (s.status === 'not-merged' && s.feature_status !== 'complete' && s.recheck !== true),
  );
  const passed = ids((s) => s.status === 'not-merged' && s.feature_status === 'complete');
  const skipped = ids((s) => s.status === 'skipped');
  const conflicted = skipped.filter((id) => !letIn.has(id));
  const failedAtConflict = skipped.filter((id) => letIn.has(id));
  const merged = ids((s) => s.status === 'merged');
  const fresh = (features: readonly string[], more: ContinueFlags = {}) =>
    features.some((id) => letIn.has(id))
      ? freshCommand({ ...flags, into: undefined, ids: features, ...more })
      : freshCommand({
          ...flags,
          include: undefined,
          into: flags.into ?? ANY_BRANCH,
          ids: features,
          ...more,
        });
  const one = (xs: readonly string[], single: string, many: string) => (xs.length === 1 ? single : many);
  const again = ids((s) => s.status === 'merged' || s.status === 'skipped');
  const todo: string[] = [];
  if (recheck.length > 0) todo.push(verifyMovedHint(recheck));
  if (rerun.length > 0) todo.push(`fix and re-run ${rerun.join(', ')} (${rerunCommands(rerun)})`);
  if (passed.length > 0) {
    todo.push(
      `do what the reason given for ${passed.join(', ')} says (${one(passed, 'it', 'they')} passed: nothing to re-run), then integrate again`,
    );
  }
  if (conflicted.length > 0) {
    todo.push(
      `integrate ${conflicted.join(', ')} again and resolve the conflict: ${one(conflicted, 'it was', 'they were')} left out only for it and ${one(conflicted, 'its', 'their')} work passed, so there is nothing to re-run (${fresh(again, { onConflict: 'stop' })} stops at the conflict for you; add --on-conflict agent to have the agent resolve it)`,
    );
  }
  if (failedAtConflict.length > 0) {
    const statuses = [...new Set(failedAtConflict.map((id) => letIn.get(id)))].join(', ');
    todo.push(
      `fix and re-run ${failedAtConflict.join(', ')} (${rerunCommands(failedAtConflict)}): ${one(failedAtConflict, 'it was', 'they were')} left out at a conflict, and --include had let ${one(failedAtConflict, 'it', 'them')} in although ${one(failedAtConflict, 'its', 'their')} checks did not pass (${statuses}); then integrate again and resolve the conflict (${fresh(again, { onConflict: 'stop' })} stops at it for you)`,
    );
  }
  const parts = todo.length > 0 ? [todo.join('; ')] : [];
  const mergedLetIn = merged.filter((id) => letIn.has(id));
  if (mergedLetIn.length > 0) {
    parts.push(
      `what merged is on ${INTEGRATION_BRANCH} to look at, but --into never moves a branch onto ${mergedLetIn.join(', ')}, let in by --include (move it by hand if you mean it)`,
    );
  } else if (merged.length > 0) parts.push(`to take what merged: ${fresh(merged)}`);
  const [first, ...rest] = parts;
  if (first === undefined) return undefined;
  return `${[first.charAt(0).toUpperCase() + first.slice(1), ...rest].join('; or, ')}.`;
}

/** The features `--include` let in that were merged: one skipped at a conflict, or left out since, was not. */
export function mergedIncluded<T extends { feature_id: string }>(
  included: readonly T[],
  steps: readonly MergeStep[],
): T[] {
  const merged = new Set(steps.flatMap((s) => (s.status === 'merged' ? [s.feature_id] : [])));
  return included.filter((f) => merged.has(f.feature_id));
}
