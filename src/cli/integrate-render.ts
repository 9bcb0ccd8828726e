/**
 * What `baton integrate` prints: one line per integration event as it is emitted (a subscriber of
 * the event sink, with one formatter per event type), the prediction, and the closing summary.
 */
import { featureBranch } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import {
  ANY_BRANCH,
  asSentence,
  type ContinueFlags,
  continueCommand,
  freshCommand,
  resolveThenContinue,
  testsFailedAdvice,
} from '../integrate/continue-command.js';
import { explainConflict, explainFile, notOwnConflict } from '../integrate/explain.js';
import { intoRefusal } from '../integrate/into.js';
import { leftOutHint, mergedIncluded } from '../integrate/left-out-hint.js';
import { ownersOf } from '../integrate/ownership.js';
import type { Prediction } from '../integrate/predict.js';
import { baseSide } from '../integrate/sides.js';
import type { IntegrationResult, MergeStep } from '../integrate/types.js';
import type { BatonEvent, BatonEventType } from '../log/events.js';
import type { EventListener } from '../log/sink.js';
import type { AttemptTime } from '../metrics/integration.js';
import { stoppedBy } from '../runner/outcome.js';
import { describeWordedEvent } from '../terminal/event-words.js';
import { formatDuration, type Palette } from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';

/** Every event type integration emits or triggers; the formatter table below must cover each. */
export const INTEGRATE_EVENT_TYPES = [
  'phase.started',
  'phase.ended',
  'integration.discarded',
  'integration.started',
  'merge.clean',
  'merge.conflict',
  'merge.skipped',
  'integration.tested',
  'check.passed',
  'check.failed',
  'check.unverifiable',
  'integration.ended',
] as const satisfies readonly BatonEventType[];
/** One of `INTEGRATE_EVENT_TYPES`. */
export type IntegrateEventType = (typeof INTEGRATE_EVENT_TYPES)[number];

type EventOf<K extends BatonEventType> = Extract<BatonEvent, { type: K }>;
type Formatter<K extends BatonEventType> = (e: EventOf<K>, p: Palette) => string | undefined;

const list = (xs: readonly string[]): string => xs.map((x) => escapeControl(x)).join(', ');

/**
 * What a merge's `duration_ms` measured, in words: the merge itself, or, for a conflict resolved, the
 * time from the conflict to the resolution's commit (a person's resolving included: not integration
 * time, which counts only the invocations' running time).
 */
function mergeTime(e: EventOf<'merge.clean'>): string {
  const took = formatDuration(e.duration_ms);
  switch (e.resolved) {
    case undefined:
      return `, ${took}`;
    case 'by-hand':
      return ` (your resolution, committed ${took} after the conflict)`;
    case 'by-agent':
      return ` (resolved by the agent in ${took})`;
  }
}

/** One line per integration event; undefined where the summary says it better. */
const FORMATTERS: { [K in IntegrateEventType]: Formatter<K> } = {
  'phase.started': () => undefined,
  'phase.ended': () => undefined,
  'integration.discarded': (e, p) => p.yellow(describeWordedEvent(e, p)),
  'integration.started': (e, p) => {
    const head = `Integrating ${e.order.length} feature(s) on ${e.branch} in ${e.worktree}: ${e.order.join(' → ')}`;
    if (!e.include?.length) return head;
    const taken = (e.included ?? []).map((f) => `${f.feature_id} (${f.status})`);
    const opted = `--include ${e.include.join(',')}: ${taken.length > 0 ? `merging ${taken.join(', ')} although not complete` : 'no feature of those statuses'}`;
    return `${head}\n  ${p.yellow(opted)}`;
  },
  'merge.clean': (e, p) =>
    `  ${e.feature_id}: ${p.green('merged')} ${p.dim(`${e.commit.slice(0, 10)}${mergeTime(e)}`)}`,
  'merge.conflict': (e, p) =>
    `  ${e.feature_id}: ${p.red('conflict')} in ${list(e.files)}${e.with.length ? ` (with ${e.with.join(', ')})` : ''}`,
  'merge.skipped': (e, p) => {
    const reason = escapeControl(e.reason);
    switch (e.kind) {
      case 'excluded':
        return `  ${p.yellow('not merged')}: ${e.feature_id} (${e.status ?? 'unknown'}: ${reason})`;
      case 'not-run':
        return `  ${p.yellow('not merged')}: ${e.feature_id} (${reason})`;
      case 'nothing-to-merge':
        return `  ${e.feature_id}: ${p.yellow('nothing to merge')} ${p.dim(`(${featureBranch(e.feature_id)} adds no commit)`)}`;
      default:
        return `  ${e.feature_id}: ${p.yellow('skipped')} — ${reason}`;
    }
  },
  'integration.tested': (e, p) =>
    `  tests after ${e.after_feature}: ${e.passed ? p.green('passed') : p.red('failed')} ${p.dim(`(exit ${e.exit_code ?? 'none'}, ${formatDuration(e.duration_ms)})`)}${e.left_running ? `; ${escapeControl(e.left_running)}` : ''}`,
  'check.passed': (e, p) =>
    `  ${e.feature_id}: check ${escapeControl(e.criterion_id)}${again(e)} ${p.green('passed')}: ${escapeControl(e.message)}`,
  'check.failed': (e, p) =>
    `  ${e.feature_id}: check ${escapeControl(e.criterion_id)}${again(e)} ${p.red('failed')}: ${escapeControl(e.message)}`,
  'check.unverifiable': (e, p) =>
    `  ${e.feature_id}: check ${escapeControl(e.criterion_id)}${again(e)} ${p.yellow('unverifiable')}: ${escapeControl(e.text)}`,
  'integration.ended': () => undefined,
};

/** Said of a criterion run again on the result before `--into` moves a branch. */
function again(e: { on: string }): string {
  return e.on === 'promotion' ? ' (again, on the result)' : '';
}

function isIntegrateEvent(e: BatonEvent): e is EventOf<IntegrateEventType> {
  return (INTEGRATE_EVENT_TYPES as readonly string[]).includes(e.type);
}

/** The line for one event, or undefined for events integration does not print. */
export function describeIntegrateEvent(e: BatonEvent, p: Palette): string | undefined {
  if (!isIntegrateEvent(e)) return undefined;
  return (FORMATTERS[e.type] as Formatter<typeof e.type>)(e, p);
}

/** A sink subscriber printing each integration event as it happens. */
export function integratePrinter(p: Palette, out: (s: string) => void): EventListener {
  return (e) => {
    const line = describeIntegrateEvent(e, p);
    if (line) out(line);
  };
}

/** Prints the conflict prediction: conflicting pairs, harmless overlaps, ownership violations. */
export function renderPrediction(pr: Prediction, plan: Plan, p: Palette, out: (s: string) => void): void {
  const base = escapeControl(pr.base_name);
  const outside = Object.keys(pr.cut_outside).length;
  const movedOn = pr.base_tested - outside;
  const those = (n: number) => (n === 1 ? 'that branch was' : 'those branches were');
  const againstBase =
    (movedOn > 0 ? `; ${movedOn} against ${base}, which moved on since ${those(movedOn)} cut` : '') +
    (outside > 0
      ? `; ${outside} against ${base}, which does not hold the commit ${those(outside)} cut from`
      : '');
  out(
    `Prediction for ${pr.features.length} feature(s): ${pr.pairs} potential integration point(s), ${pr.merge_tested} checked with git merge-tree${againstBase} ${p.dim(`(${formatDuration(pr.duration_ms)})`)}`,
  );
  const found = pr.conflicts.length + pr.base_conflicts.length + pr.clean_overlaps.length;
  if (found === 0 && pr.violations.length === 0) {
    // A feature with no `owns` cannot step outside them: only others' owned files were checked for it.
    const unowned = pr.features.filter((id) => plan.byId.get(id)?.owns.length === 0);
    const note =
      unowned.length === 0
        ? ''
        : p.dim(
            ` (${list(unowned)} declare${unowned.length === 1 ? 's' : ''} no owns: only files others own were checked for ${unowned.length === 1 ? 'it' : 'them'})`,
          );
    out(`  ${p.green('no conflicts, no overlaps, no ownership violations')}${note}`);
    return;
  }
  for (const c of pr.conflicts) {
    out(`  ${p.red('conflict')}   ${c.a} × ${c.b}: ${list(c.files)}`);
    for (const f of c.files)
      out(
        p.dim(
          `             ${escapeControl(explainFile(f, c.a, [c.b], ownersOf(f, plan.features), c.ties?.[f]))}`,
        ),
      );
  }
  for (const c of pr.base_conflicts) {
    out(`  ${p.red('conflict')}   ${c.feature_id} × ${base}: ${list(c.files)}`);
    const cut = pr.cut_outside[c.feature_id];
    for (const f of c.files) {
      const own = pr.changed[c.feature_id]?.includes(f) ?? false;
      const why =
        cut !== undefined && !own
          ? notOwnConflict(f, c.feature_id, pr.base_name, cut)
          : explainFile(f, c.feature_id, [baseSide(pr.base_name)], ownersOf(f, plan.features));
      out(p.dim(`             ${escapeControl(why)}`));
    }
  }
  for (const c of pr.clean_overlaps) {
    out(
      `  ${p.yellow('overlap')}    ${c.a} × ${c.b}: ${list(c.files)} ${p.dim('(both changed it; merges cleanly)')}`,
    );
  }
  for (const v of pr.violations) {
    const why =
      v.kind === 'owned-by-other'
        ? `which only ${v.owners.join(' and ')} own${v.owners.length === 1 ? 's' : ''}`
        : 'outside its owns';
    out(`  ${p.yellow('ownership')}  ${v.feature_id} changed ${escapeControl(v.file)}, ${why}`);
  }
}

/**
 * "4 of 5 merged, 1 not merged": every selected feature counted once, by what last happened to it;
 * a feature to merge that has no step yet (merging stopped before it) is "not reached" (pure).
 */
export function countSteps(r: Pick<IntegrationResult, 'order' | 'steps'>): string {
  const { steps } = r;
  const n = (status: MergeStep['status']) => steps.filter((s) => s.status === status).length;
  const stepped = new Set(steps.map((s) => s.feature_id));
  const notReached = new Set(r.order.filter((id) => !stepped.has(id))).size;
  const parts = [
    [n('nothing-to-merge'), 'with nothing to merge'],
    [n('not-merged'), 'not merged (did not pass)'],
    [n('skipped'), 'skipped'],
    [n('conflict'), 'stopped at a conflict'],
    [notReached, 'not reached'],
    [n('not-run'), 'not run'],
  ] as const;
  const rest = parts.filter(([k]) => k > 0).map(([k, words]) => `${k} ${words}`);
  return [`${n('merged')} of ${steps.length + notReached} merged`, ...rest].join(', ');
}

/**
 * What a command that goes on with `r` carries: its test command, its `--test-timeout`, its
 * `--on-conflict`, the branch its `--into` did not move yet, and the features, `--base` and
 * `--include` its integration began with.
 */
function flagsOf(r: IntegrationResult): ContinueFlags {
  return {
    test: r.test,
    testTimeoutS: r.test_timeout_s,
    into: r.into && !r.into.moved ? r.into.branch : undefined,
    onConflict: r.on_conflict,
    ids: r.named,
    base: r.base_ref,
    include: r.include,
  };
}

/** The `--continue` that goes on with `r` (`continueCommand`). */
function continueOf(r: IntegrationResult): string {
  return continueCommand(flagsOf(r));
}

/** The start over of `r` (`freshCommand`): its --test and --into, which a bare `--fresh` would drop. */
function freshOf(r: IntegrationResult): string {
  return freshCommand(flagsOf(r));
}

/**
 * The one line after Ctrl-C (on stderr, with `--json` too): what stopped the integration and how to
 * go on; a conflict left mid-merge by a stopped resolver is for a person to finish first.
 */
export function interruptedLine(r: IntegrationResult): string {
  const conflict = r.steps.find((s) => s.status === 'conflict');
  const next = conflict
    ? escapeControl(resolveThenContinue(conflict.feature_id, r.worktree, { command: continueOf(r) }))
    : `go on with \`${continueOf(r)}\``;
  return `baton: integration interrupted (${stoppedBy(r.interrupted_by)}); ${next}, or start over with \`${freshOf(r)}\`\n`;
}

function renderStopped(r: IntegrationResult, p: Palette, out: (s: string) => void): void {
  if (r.conflict) {
    const skip = freshCommand({ ...flagsOf(r), onConflict: 'skip' });
    for (const line of explainConflict(r.conflict, continueOf(r), skip)) out(escapeControl(line));
    if (r.conflict.resolver_exit !== undefined) {
      out(
        `The agent (exit ${r.conflict.resolver_exit ?? 'none'}) left ${r.conflict.unresolved?.length ? `unresolved: ${list(r.conflict.unresolved)}` : 'the merge unfinished'}.`,
      );
    }
  }
  if (r.tests_failed_after) {
    const t = r.tests_failed_after;
    out(
      `${p.red(`Tests failed after merging ${t.after_feature}`)} (merge ${t.index} of ${t.total}): ${t.exit}`,
    );
    if (t.output_tail) for (const line of t.output_tail.split('\n')) out(p.dim(`  | ${escapeControl(line)}`));
    out(t.hint ?? testsFailedHint(r, t.after_feature));
  }
  if (r.checks_left) {
    out(`${p.red('Checks failed after integration')}: ${escapeControl(r.checks_left.reason)}`);
    out(r.checks_left.hint);
  }
}

/** What to do after the tests failed after `id` (`testsFailedAdvice`), as a sentence. */
function testsFailedHint(r: IntegrationResult, id: string): string {
  const step = r.steps.find((s) => s.feature_id === id);
  const resolved =
    step?.status === 'merged' && step.resolved !== undefined
      ? { by: step.resolved, commit: step.commit }
      : undefined;
  const at = { feature_id: id, worktree: r.worktree, resolved };
  return escapeControl(asSentence(testsFailedAdvice(at, flagsOf(r))));
}

/**
 * Whether `--continue --into` could move a branch to this result: the `--into` rule, which refuses
 * one that `--include` let a feature into or with unverifiable criteria, so that is not offered.
 */
function promotable(r: IntegrationResult): boolean {
  const { outcome, steps, tests, checks, included } = r;
  return intoRefusal({ branch: '<branch>', outcome, steps, tests, checks, included }) === undefined;
}

/**
 * How long the integration took, in the report's words (`attemptTime`): its integration time so far,
 * and, once more than one invocation made it, that and this invocation's own time; without the log's
 * word, this invocation's; when an earlier invocation left no end, this invocation's, said so.
 */
function integrationTook(r: Pick<IntegrationResult, 'duration_ms'>, time?: AttemptTime): string {
  if (time === undefined) return formatDuration(r.duration_ms);
  // An earlier invocation ended with no record of its end (killed): the report cannot count it either.
  if (time.ms === null)
    return `${formatDuration(r.duration_ms)} (this invocation; the integration's whole time is unknown: an earlier invocation left no record of its end)`;
  if (time.invocations <= 1) return formatDuration(time.ms);
  return `${formatDuration(time.ms)} of integration time over ${time.invocations} invocations (this one ${formatDuration(r.duration_ms)}; the waits between them not counted)`;
}

/**
 * The outcome on the summary line, painted: a clean integration whose `--into` was refused is not
 * called clean (the line after it says why the branch was left where it was, or is not at the result).
 */
function outcomeWords(r: IntegrationResult, p: Palette): string {
  if (r.outcome === 'clean' && r.into && !r.into.moved) {
    return p.red(`merged, ${r.into.branch} ${r.into.elsewhere ? 'not at the result' : 'not moved'}`);
  }
  const paint =
    r.outcome === 'clean'
      ? p.green
      : r.outcome === 'partial' || r.outcome === 'interrupted'
        ? p.yellow
        : p.red;
  return paint(r.outcome);
}

/**
 * Prints how the integration ended: conflict or failed tests, checks, the summary and `--into`;
 * `time` is the attempt's integration time as the report counts it, read from the log.
 */
export function renderResult(
  r: IntegrationResult,
  p: Palette,
  out: (s: string) => void,
  time?: AttemptTime,
): void {
  out('');
  renderStopped(r, p, out);
  for (const [id, t] of Object.entries(r.checks)) {
    const paint = t.failed > 0 ? p.red : t.unverifiable > 0 ? p.yellow : p.green;
    out(
      `${id}: ${paint(`${t.passed}/${t.total} integration checks passed`)}${t.unverifiable ? `, ${t.unverifiable} unverifiable` : ''}`,
    );
  }
  out(
    `Integration ${outcomeWords(r, p)} in ${integrationTook(r, time)}: ${countSteps(r)}; ${r.branch} at ${r.commit.slice(0, 10)} in ${r.worktree}`,
  );
  for (const s of r.steps) {
    if (s.status === 'not-merged')
      out(`  not merged: ${s.feature_id} (${s.feature_status}: ${escapeControl(s.reason)})`);
  }
  if (r.include.length > 0) {
    const taken = mergedIncluded(r.included, r.steps).map((f) => `${f.feature_id} (${f.status})`);
    out(
      p.yellow(
        `--include ${r.include.join(',')}: ${taken.length > 0 ? `${taken.join(', ')} merged although not complete` : 'nothing of those statuses was merged'}`,
      ),
    );
  }
  if (r.backup) out(p.dim(`The earlier result is kept as ${r.backup}.`));
  if (r.into?.moved) {
    const ff = r.into.fast_forward;
    out(
      ff.via === 'already-there'
        ? `${p.green(`${r.into.branch} already at`)} ${ff.to.slice(0, 10)}`
        : `${p.green(`${r.into.branch} fast-forwarded`)} ${ff.from.slice(0, 10)} → ${ff.to.slice(0, 10)}`,
    );
  } else if (r.into) {
    const title = r.into.elsewhere ? 'not at the integration result' : 'left where it was';
    out(`${p.red(`${r.into.branch} ${title}`)}: ${escapeControl(r.into.reason)}`);
    if (r.into.hint) out(`hint: ${r.into.hint}`);
  } else if (r.outcome === 'clean' && promotable(r)) {
    out(p.dim(`To move a branch to this result: ${continueCommand({ ...flagsOf(r), into: ANY_BRANCH })}`));
  } else if (r.outcome === 'partial') {
    const hint = leftOutHint(r.steps, flagsOf(r), r.included);
    if (hint) out(`hint: ${hint}`);
  }
  for (const note of r.notes) out(p.dim(`note: ${escapeControl(note)}`));
}
