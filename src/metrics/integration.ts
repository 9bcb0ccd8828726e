import type { LogEvent } from '../log/events.js';
import { formatMinutes, formatPercent, wholePercent } from './format.js';
import { type IntegrationAttempts, splitIntegrationAttempts } from './integration-attempts.js';
import { checkDuration, coveredMs, type TimeFlags, timeOf } from './intervals.js';
import type { IntegrationReport, IntegrationVerdict, WorksheetRow } from './types.js';

/** The healthy band of integration time ÷ execution time. */
export const HEALTHY_INTEGRATION = { low: 0.15, high: 0.2 } as const;
/** Above this ratio integration is a symptom, not a cost: contracts left interfaces to merge time. */
export const HIGH_INTEGRATION = 0.3;

const MINUTE = 60_000;

export { type IntegrationAttempts, splitIntegrationAttempts };

/** The last attempt's integration time, as `baton report` counts it, and how many invocations made it. */
export interface AttemptTime {
  /** The invocations' running spans, overlaps once (`coveredMs`); null when one is not closed. */
  ms: number | null;
  /** `baton integrate` invocations of the attempt that ended (`integration.ended`). */
  invocations: number;
}

/**
 * The integration time of the last attempt by the report's one rule (`splitIntegrationAttempts`, then
 * `coveredMs`): what `baton integrate` prints after an invocation is this attempt's share of the
 * report's integration time, which adds the earlier delivered attempts' (pure).
 */
export function attemptTime(events: readonly LogEvent[]): AttemptTime {
  const split = splitIntegrationAttempts(events);
  return {
    ms: coveredMs(split.finalIntervals),
    invocations: split.final.filter((e) => e.type === 'integration.ended').length,
  };
}

/**
 * Places integration ÷ execution against the healthy 15–20 % band (pure), as printed: the whole
 * percentage every output shows (`wholePercent`), so 14.96 % reads "15 %" and is healthy, never
 * "15 %, below the healthy 15–20 %".
 */
export function judgeIntegration(ratio: number | null): IntegrationVerdict {
  if (ratio === null) return 'unknown';
  const pct = wholePercent(ratio);
  if (pct < wholePercent(HEALTHY_INTEGRATION.low)) return 'low';
  if (pct <= wholePercent(HEALTHY_INTEGRATION.high)) return 'healthy';
  if (pct <= wholePercent(HIGH_INTEGRATION)) return 'elevated';
  return 'high';
}

/** What the delivered attempts recorded that bears on the verdict. */
export interface IntegrationRecord {
  /** Whether integrate itself ran (`integration.started`), rather than a phase recorded by hand. */
  started: boolean;
  /** Conflicts between features (`CountedConflicts.conflicts`). */
  conflicts: number;
  /** Conflicts from a base lacking the commit the features were cut from. */
  base_lacks_cut: number;
  /** Features skipped at a conflict, or along with one they depend on. */
  skipped: number;
  /** Features left out because they did not pass, or had no branch. */
  left_out: number;
  failed_tests: number;
  failed_checks: number;
  /** Criteria that failed when run again on the result before `--into`. */
  failed_promotion: number;
  /** Why the last `--into` left its branch where it was, when it did. */
  into_refused: string | undefined;
  tests_min: number | null;
  duration_min: number | null;
}

const counted = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What went wrong in the attempt, in words ("1 conflict", "1 feature skipped"); empty when nothing did. */
function troubles(r: IntegrationRecord): string[] {
  return [
    r.conflicts > 0 ? counted(r.conflicts, 'conflict') : '',
    r.base_lacks_cut > 0
      ? `${counted(r.base_lacks_cut, 'conflict')} from a base lacking the commit the features were cut from`
      : '',
    r.skipped > 0 ? `${counted(r.skipped, 'feature')} skipped` : '',
    r.left_out > 0 ? `${counted(r.left_out, 'feature')} not merged` : '',
    r.failed_tests > 0 ? counted(r.failed_tests, 'failing post-merge test run') : '',
    r.failed_checks > 0
      ? counted(r.failed_checks, 'failed integration criterion', 'failed integration criteria')
      : '',
    r.failed_promotion > 0
      ? `${counted(r.failed_promotion, 'criterion', 'criteria')} that passed on the features' branches failed on the merged result`
      : '',
    r.into_refused !== undefined ? `--into left its branch where it was (${r.into_refused})` : '',
  ].filter(Boolean);
}

/** From this share of the integration time on, the post-merge tests are what it cost. */
const TESTS_DOMINATE = 0.5;

/** Where a long integration in which nothing went wrong spent its time (pure). */
function whereTimeWent(r: IntegrationRecord): string {
  if (r.tests_min === null) return 'look at what else the integration waited on';
  const took = `post-merge tests took ${formatMinutes(r.tests_min)} of the ${formatMinutes(r.duration_min)}`;
  const dominate = r.duration_min !== null && r.tests_min >= r.duration_min * TESTS_DOMINATE;
  return dominate
    ? `${took} — the cost is the test suite, not the interfaces`
    : `${took}; look at what else the integration waited on`;
}

/** The verdict in a sentence, weighed against what the integration recorded (pure). */
export function describeVerdict(
  verdict: IntegrationVerdict,
  ratio: number | null,
  recorded: IntegrationRecord,
): string {
  const pct = ratio === null ? '' : formatPercent(ratio);
  // Integrate ran and nothing went wrong: a long integration is then not a sign of missing interfaces.
  const uneventful =
    recorded.started &&
    recorded.conflicts === 0 &&
    recorded.base_lacks_cut === 0 &&
    recorded.failed_checks === 0 &&
    recorded.failed_tests === 0 &&
    recorded.failed_promotion === 0 &&
    recorded.into_refused === undefined;
  if (uneventful && (verdict === 'elevated' || verdict === 'high')) {
    return (
      `${pct}, above the healthy 15–20 %, yet no conflict, failing post-merge test or failed integration ` +
      `criterion was recorded: the contracts held at merge time, and ${whereTimeWent(recorded)}.`
    );
  }
  switch (verdict) {
    case 'unknown':
      return 'Integration ÷ execution is unknown: one of the two times was not recorded.';
    case 'low': {
      const wrong = troubles(recorded);
      return wrong.length === 0
        ? `${pct}, below the healthy 15–20 %: the contracts held and integration was cheap.`
        : `${pct}, below the healthy 15–20 %: integration was cheap, but ${wrong.join('; ')}.`;
    }
    case 'healthy':
      return `${pct}, within the healthy 15–20 %.`;
    case 'elevated':
      return `${pct}, above the healthy 15–20 %: some interfaces were settled at merge time; tighten the contracts they touched.`;
    case 'high':
      return (
        `${pct}, far above the healthy 15–20 %: the contracts are probably under-specified — ` +
        'interfaces were discovered at merge time instead of being agreed in the contracts.'
      );
    default:
      return verdict satisfies never;
  }
}

/**
 * Each feature's last merge event over the delivered attempts. A later attempt that skips a feature
 * an earlier one merged (nothing new to merge, not selected, no longer passing) leaves it merged: its
 * work is on the branch that attempt moved.
 */
function lastMerges(events: readonly LogEvent[]): Map<string, MergeEvent> {
  const last = new Map<string, MergeEvent>();
  for (const e of events) {
    if (e.type !== 'merge.clean' && e.type !== 'merge.conflict' && e.type !== 'merge.skipped') continue;
    if (e.type === 'merge.skipped' && last.get(e.feature_id)?.type === 'merge.clean') continue;
    last.set(e.feature_id, e);
  }
  return last;
}

type MergeEvent = Extract<LogEvent, { type: 'merge.clean' | 'merge.conflict' | 'merge.skipped' }>;

/**
 * Each feature's last merge outcome over the delivered attempts (`lastMerges`), counted: one per
 * feature, never one per try. A feature merged after its conflict was resolved counts as merged
 * (`clean`), and in `resolved` too.
 */
function countMerges(events: readonly LogEvent[]): IntegrationReport['merges'] {
  const conflicted = new Set<string>();
  for (const e of events) if (e.type === 'merge.conflict') conflicted.add(e.feature_id);
  const out = { clean: 0, conflict: 0, skipped: 0, resolved: 0 };
  for (const [id, e] of lastMerges(events)) {
    const outcome = e.type === 'merge.clean' ? 'clean' : e.type === 'merge.conflict' ? 'conflict' : 'skipped';
    out[outcome]++;
    if (outcome === 'clean' && conflicted.has(id)) out.resolved++;
  }
  return out;
}

/**
 * The features the delivered attempts did not merge, each by its last merge event (`lastMerges`):
 * skipped (at a conflict, or with a dependency) or not merged (did not pass, no branch); nothing to
 * merge is neither.
 */
function leftOut(events: readonly LogEvent[]): { skipped: number; notMerged: number } {
  let skipped = 0;
  let notMerged = 0;
  for (const e of lastMerges(events).values()) {
    if (e.type !== 'merge.skipped' || e.kind === 'nothing-to-merge') continue;
    if (e.kind === 'excluded' || e.kind === 'not-run') notMerged++;
    else skipped++;
  }
  return { skipped, notMerged };
}

/** What `buildIntegration` weighs. */
export interface IntegrationInput {
  attempts: IntegrationAttempts;
  row: WorksheetRow | undefined;
  implementation: WorksheetRow | undefined;
  failedIntegrationChecks: number;
  /** Where a test's duration the log's timestamps cannot support is named. */
  flags: TimeFlags;
}

/**
 * The post-merge test runs that count (pure): each recorded inside an invocation of `baton integrate`
 * (after its `phase.started integration` or `integration.started`, before its `integration.ended`),
 * its duration held to `checkDuration` against the span from that start to its own timestamp. A
 * test outside any invocation, or timed longer than that span allows (a forged line), is not counted.
 */
export function countedTests(
  events: readonly LogEvent[],
  flags: TimeFlags,
): Array<{ passed: boolean; ms: number }> {
  const out: Array<{ passed: boolean; ms: number }> = [];
  let started: number | null = null;
  for (const e of events) {
    // An invocation begins at its phase, or at its `integration.started` when it recorded no phase.
    if (e.type === 'phase.started' && e.phase === 'integration') started = timeOf(e);
    else if (e.type === 'integration.started') started ??= timeOf(e);
    else if (e.type === 'integration.ended') started = null;
    else if (e.type === 'integration.tested' && started !== null) {
      const at = timeOf(e);
      const ms = checkDuration(
        e.duration_ms,
        at === null ? null : at - started,
        'integration test time',
        flags,
      );
      if (at !== null && ms !== null) out.push({ passed: e.passed, ms });
    }
  }
  return out;
}

/**
 * Integration time against execution time, over the delivered attempts (pure): their merges, tests
 * and time; the outcome is the last one's.
 */
export function buildIntegration(a: IntegrationInput): IntegrationReport {
  const events = a.attempts.delivered;
  const started = events.some((e) => e.type === 'integration.started');
  const attempts = a.attempts.begun;
  const duration = a.row?.parallel_actual_min ?? null;
  const execution = a.implementation?.parallel_actual_min ?? null;
  const ratio = duration !== null && execution !== null && execution > 0 ? duration / execution : null;
  const verdict = judgeIntegration(ratio);
  let outcome: IntegrationReport['outcome'] = null;
  for (const e of a.attempts.final) if (e.type === 'integration.ended') outcome = e.outcome;
  const tested = countedTests(events, a.flags);
  const testsMin = tested.length === 0 ? null : tested.reduce((n, t) => n + t.ms, 0) / MINUTE;
  const left = leftOut(events);
  const last = lastInvocation(a.attempts.final);
  const into = intoOf(last);
  const promotionFailed = last.filter((e) => e.type === 'check.failed' && e.on === 'promotion').length;
  const recorded: IntegrationRecord = {
    started,
    conflicts: a.attempts.conflicts.length,
    base_lacks_cut: a.attempts.baseLacksCut.length,
    skipped: left.skipped,
    left_out: left.notMerged,
    failed_tests: tested.filter((e) => !e.passed).length,
    failed_checks: a.failedIntegrationChecks,
    failed_promotion: promotionFailed,
    into_refused: into?.refused,
    tests_min: testsMin,
    duration_min: duration,
  };
  return {
    ran: a.row !== undefined && (attempts > 0 || duration !== null),
    attempts,
    discarded_attempts: a.attempts.discarded,
    discarded_min: a.attempts.discardedMin,
    outcome,
    duration_min: duration,
    execution_min: execution,
    ratio,
    verdict,
    verdict_text: describeVerdict(verdict, ratio, recorded),
    tests_min: testsMin,
    merges: countMerges(events),
    tests: { passed: tested.filter((t) => t.passed).length, failed: tested.filter((t) => !t.passed).length },
    ...(into ? { into } : {}),
    promotion_failed: promotionFailed,
  };
}

/** The events of the last invocation of `baton integrate` in an attempt: from its phase, or its start or `--continue`. */
function lastInvocation(attempt: readonly LogEvent[]): readonly LogEvent[] {
  const from = attempt.findLastIndex(
    (e) => (e.type === 'phase.started' && e.phase === 'integration') || e.type === 'integration.started',
  );
  return from < 0 ? attempt : attempt.slice(from);
}

/** What the invocation's `--into` did, from its `integration.ended`; undefined when it named no branch. */
function intoOf(events: readonly LogEvent[]): IntegrationReport['into'] {
  const end = events.findLast((e) => e.type === 'integration.ended');
  if (end?.type !== 'integration.ended') return undefined;
  if (end.into !== undefined) return { branch: end.into, moved: true };
  if (end.into_asked !== undefined)
    return {
      branch: end.into_asked,
      moved: false,
      ...(end.into_refused ? { refused: end.into_refused } : {}),
    };
  return undefined;
}
