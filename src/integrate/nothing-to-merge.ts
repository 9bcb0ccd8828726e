/**
 * The refusal when no selected feature can be merged (pure): why each was left out, and what to do
 * about each kind.
 */
import { UserError } from '../errors.js';
import { resumeRunCommand } from '../runner/resume-command.js';
import { someOf } from '../text/some-of.js';
import { rerunCommands } from './continue-command.js';
import { verifyMovedHint } from './moved-since-failure.js';
import { type IntegrationSelection, notRunReason } from './selection.js';

/**
 * The error when no selected feature can be merged, naming why each was left out; when the run in
 * progress (the selection's `running`, as `chooseForIntegration` found it) has not finished with one of
 * them, it says so (`integrate/run-in-progress`), as other commands do, rather than offer
 * `--include running` for work under way.
 */
export function nothingToMerge(
  selection: IntegrationSelection & {
    running?: { run_id: string; pid: number; unfinished: readonly string[] } | undefined;
  },
): UserError {
  const { running } = selection;
  const undecided = Object.keys(selection.undecided ?? {}).filter((id) => selection.notRun.includes(id));
  if (selection.excluded.length === 0 && undecided.length > 0) return undecidedRefusal(selection, undecided);
  if (selection.excluded.length === 0) {
    return new UserError('integrate/nothing', 'no feature has a branch to integrate', {
      hint: 'Run `baton run` first; it makes a branch baton/<id> per feature.',
    });
  }
  const left = [
    ...selection.excluded.map((x) => `${x.feature_id} (${x.status}: ${x.reason})`),
    ...undecided.map((id) => `${id} (${notRunReason(id, selection.undecided?.[id])})`),
  ].join(', ');
  const underWay = selection.excluded.filter((x) => running?.unfinished.includes(x.feature_id));
  if (running && underWay.length > 0) {
    return new UserError(
      'integrate/run-in-progress',
      `no selected feature can be merged yet: run ${running.run_id} is in progress (baton pid ${running.pid}) and has not finished ${someOf(
        underWay.map((x) => x.feature_id),
        5,
      )}; not merged: ${left}`,
      { hint: 'Wait for the run to end (`baton status --watch` follows it), then integrate.' },
    );
  }
  const hints = [
    ...unfinishedHints(selection),
    // A complete feature is left out for its commit or a dependency: the reason says what to do.
    ...(selection.excluded.some((x) => x.status === 'complete')
      ? ['Each reason above says what it needs.']
      : []),
    ...(undecided.length > 0
      ? [`\`${resumeRunCommand(undecided)}\` selects a winner for ${undecided.join(', ')}.`]
      : []),
  ];
  return new UserError('integrate/nothing-passed', `no selected feature can be merged; not merged: ${left}`, {
    hint: hints.join(' '),
  });
}

/**
 * What to do about the features left out that are not `complete`: verify those whose branch moved
 * since their checks failed (`recheck`), fix and re-run the others, or merge them anyway (`--include`).
 */
function unfinishedHints(selection: IntegrationSelection): string[] {
  const statuses = [...new Set(selection.excluded.map((x) => x.status))].filter((s) => s !== 'complete');
  if (statuses.length === 0) return [];
  const anyway = `merge them anyway with --include ${statuses.join(',')}`;
  const recheck = selection.recheck ?? [];
  const rerun = selection.excluded
    .filter((x) => x.status !== 'complete' && !recheck.includes(x.feature_id))
    .map((x) => x.feature_id);
  if (recheck.length === 0) return [`Fix and re-run them (${rerunCommands(rerun)}), or ${anyway}.`];
  const verify = verifyMovedHint(recheck);
  if (rerun.length === 0) return [`${verify.charAt(0).toUpperCase()}${verify.slice(1)}; or ${anyway}.`];
  return [
    `${verify.charAt(0).toUpperCase()}${verify.slice(1)}.`,
    `Fix and re-run ${rerun.join(', ')} (${rerunCommands(rerun)}), or ${anyway}.`,
  ];
}

/**
 * The error when the only selected features with work are best-of-N ones whose run ended before a
 * winner was chosen: undecided, not unrun, and `baton run --resume` decides them, as `pick`, `verify`,
 * `clean` and `run` say.
 */
function undecidedRefusal(selection: IntegrationSelection, ids: readonly string[]): UserError {
  const whys = ids.map((id) => `${id} (${selection.undecided?.[id] ?? 'no attempt was selected yet'})`);
  return new UserError(
    'integrate/undecided',
    `best-of-N is not decided yet for ${whys.join(', ')}: no attempt is its work to integrate, and no other selected feature has a branch`,
    {
      hint: `Run \`${resumeRunCommand(ids)}\`: it stops what the dead run left running, runs the attempts that did not end and selects the winner; integrate after.`,
    },
  );
}
