import type { LogEvent } from '../log/events.js';
import { type CountedConflicts, countConflicts } from './conflicts.js';
import { formatMinutes } from './format.js';
import {
  checkDuration,
  collectIntegrationIntervals,
  collectPhaseIntervals,
  coveredMs,
  type Interval,
  type TimeFlags,
  timeOf,
} from './intervals.js';
import type { IntegrationReport, IntegrationVerdict, WorksheetRow } from './types.js';

/** The healthy band of integration time ÷ execution time. */
export const HEALTHY_INTEGRATION = { low: 0.15, high: 0.2 } as const;
/** Above this ratio integration is a symptom, not a cost: contracts left interfaces to merge time. */
export const HIGH_INTEGRATION = 0.3;

const MINUTE = 60_000;

/**
 * The integration attempts in the log: the final one, which counts, and the discarded ones before it.
 * Everything the report says of integration (its time, merges, conflicts, post-merge tests, verdict)
 * is read from here, so no part of it counts an attempt another part left out.
 */
export interface IntegrationAttempts extends CountedConflicts {
  /** Events of the final attempt (from its `phase.started integration`, `--continue`s included). */
  final: LogEvent[];
  /** Integration spans of the final attempt: integrate's own events and its `integration` phase. */
  intervals: Interval[];
  /** Attempts begun before the final one and discarded (`--fresh`). */
  discarded: number;
  /** What the discarded attempts took; null when there were none or their time was not recorded. */
  discardedMin: number | null;
}

function integrationSpans(events: readonly LogEvent[]): Interval[] {
  const own = collectIntegrationIntervals(events);
  const phase = collectPhaseIntervals(events).get('integration') ?? [];
  // integrate's own events time the attempt; a phase end whose start fell before the cut adds nothing.
  return [...own, ...(own.length > 0 ? phase.filter((i) => i.start !== null) : phase)];
}

/**
 * Splits the log's integration into attempts (pure): each `integration.started` begins one (with
 * the `integration` phase opened just before it) and ends the one before, which `--fresh` discarded
 * (`integration.discarded`) or which left nothing on the branch to keep; only the last counts, for
 * the integration time as for the conflicts. A log without `integration.started` (a phase recorded
 * by hand, or conflicts alone) is one attempt.
 */
export function splitIntegrationAttempts(events: readonly LogEvent[]): IntegrationAttempts {
  const starts: number[] = [];
  events.forEach((e, i) => {
    if (e.type === 'integration.started') starts.push(i);
  });
  const last = starts.at(-1);
  if (last === undefined)
    return {
      final: [...events],
      ...countConflicts(events),
      intervals: integrationSpans(events),
      discarded: 0,
      discardedMin: null,
    };
  const previous = starts.at(-2) ?? -1;
  let cut = last;
  for (let i = last - 1; i > previous; i--) {
    const e = events[i];
    if (e?.type === 'phase.started' && e.phase === 'integration') {
      cut = i;
      break;
    }
    if (e?.type === 'integration.ended') break;
  }
  const before = events.slice(0, cut);
  const final = events.slice(cut);
  const discardedMs = starts.length > 1 ? coveredMs(integrationSpans(before)) : null;
  return {
    final,
    ...countConflicts(final),
    intervals: integrationSpans(final),
    discarded: starts.length - 1,
    discardedMin: discardedMs === null ? null : discardedMs / MINUTE,
  };
}

/** The final attempt's integration time, as `baton report` counts it, and how many invocations made it. */
export interface AttemptTime {
  /** The invocations' running spans, overlaps once (`coveredMs`); null when one is not closed. */
  ms: number | null;
  /** `baton integrate` invocations of the attempt that ended (`integration.ended`). */
  invocations: number;
}

/**
 * The integration time of the final attempt by the report's one rule (`splitIntegrationAttempts`,
 * then `coveredMs`): what `baton integrate` prints after an invocation says the number the report will
 * (pure).
 */
export function attemptTime(events: readonly LogEvent[]): AttemptTime {
  const split = splitIntegrationAttempts(events);
  return {
    ms: coveredMs(split.intervals),
    invocations: split.final.filter((e) => e.type === 'integration.ended').length,
  };
}

/** Places integration ÷ execution against the healthy 15–20 % band (pure). */
export function judgeIntegration(ratio: number | null): IntegrationVerdict {
  if (ratio === null) return 'unknown';
  if (ratio < HEALTHY_INTEGRATION.low) return 'low';
  if (ratio <= HEALTHY_INTEGRATION.high) return 'healthy';
  if (ratio <= HIGH_INTEGRATION) return 'elevated';
  return 'high';
}

/** What the final attempt recorded that bears on the verdict. */
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
  const pct = ratio === null ? '' : `${Math.round(ratio * 100)} %`;
  // Integrate ran and nothing went wrong: a long integration is then not a sign of missing interfaces.
  const uneventful =
    recorded.started &&
    recorded.conflicts === 0 &&
    recorded.base_lacks_cut === 0 &&
    recorded.failed_checks === 0 &&
    recorded.failed_tests === 0;
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
 * Each feature's last merge outcome in the attempt, counted: one per feature, never one per try. A
 * feature merged after its conflict was resolved counts as merged (`clean`), and in `resolved` too.
 */
function countMerges(events: readonly LogEvent[]): IntegrationReport['merges'] {
  const last = new Map<string, 'clean' | 'conflict' | 'skipped'>();
  const conflicted = new Set<string>();
  for (const e of events) {
    if (e.type === 'merge.clean') last.set(e.feature_id, 'clean');
    else if (e.type === 'merge.conflict') {
      last.set(e.feature_id, 'conflict');
      conflicted.add(e.feature_id);
    } else if (e.type === 'merge.skipped') last.set(e.feature_id, 'skipped');
  }
  const out = { clean: 0, conflict: 0, skipped: 0, resolved: 0 };
  for (const [id, outcome] of last) {
    out[outcome]++;
    if (outcome === 'clean' && conflicted.has(id)) out.resolved++;
  }
  return out;
}

/**
 * The features the attempt did not merge, each by its last merge event: skipped (at a conflict, or
 * with a dependency) or not merged (did not pass, no branch); nothing to merge is neither.
 */
function leftOut(events: readonly LogEvent[]): { skipped: number; notMerged: number } {
  const last = new Map<string, LogEvent>();
  for (const e of events) {
    if (e.type === 'merge.clean' || e.type === 'merge.conflict' || e.type === 'merge.skipped') {
      last.set(e.feature_id, e);
    }
  }
  let skipped = 0;
  let notMerged = 0;
  for (const e of last.values()) {
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

/** Integration time against execution time, for the final attempt (pure). */
export function buildIntegration(a: IntegrationInput): IntegrationReport {
  const events = a.attempts.final;
  const started = events.some((e) => e.type === 'integration.started');
  const attempts = a.attempts.discarded + (started ? 1 : 0);
  const duration = a.row?.parallel_actual_min ?? null;
  const execution = a.implementation?.parallel_actual_min ?? null;
  const ratio = duration !== null && execution !== null && execution > 0 ? duration / execution : null;
  const verdict = judgeIntegration(ratio);
  let outcome: IntegrationReport['outcome'] = null;
  for (const e of events) if (e.type === 'integration.ended') outcome = e.outcome;
  const tested = countedTests(events, a.flags);
  const testsMin = tested.length === 0 ? null : tested.reduce((n, t) => n + t.ms, 0) / MINUTE;
  const left = leftOut(events);
  const recorded: IntegrationRecord = {
    started,
    conflicts: a.attempts.conflicts.length,
    base_lacks_cut: a.attempts.baseLacksCut.length,
    skipped: left.skipped,
    left_out: left.notMerged,
    failed_tests: tested.filter((e) => !e.passed).length,
    failed_checks: a.failedIntegrationChecks,
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
  };
}
