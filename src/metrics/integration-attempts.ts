/**
 * The log's integration, split into attempts (pure): which were delivered and which `--fresh` (or
 * `baton clean`, removing the integration branch) discarded. Everything the report (and so the dashboard, which computes the same report) says of
 * integration is read from this one split, so no part of it counts an attempt another part left out.
 */
import type { LogEvent } from '../log/events.js';
import { type CountedConflicts, countConflicts } from './conflicts.js';
import {
  collectIntegrationIntervals,
  collectPhaseIntervals,
  coveredMs,
  type Interval,
  pairPhases,
} from './intervals.js';

const MINUTE = 60_000;

/** The integration attempts in the log: the delivered ones, which count, and the discarded ones. */
export interface IntegrationAttempts extends CountedConflicts {
  /** Events of the last delivered attempt (from its `phase.started integration`, `--continue`s included). */
  final: LogEvent[];
  /** Events of every delivered attempt, in log order: their merges, conflicts and tests count. */
  delivered: LogEvent[];
  /** Integration spans of the delivered attempts: integrate's own events and its `integration` phase. */
  intervals: Interval[];
  /** Integration spans of the last attempt alone (what `baton integrate` says it took). */
  finalIntervals: Interval[];
  /** Attempts `baton integrate` began (`integration.started`), delivered or discarded. */
  begun: number;
  /** Attempts discarded (`integration.discarded`, by `--fresh` or `baton clean`) without having moved a branch. */
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

/** The log cut into attempts, for `attemptSpans`. */
interface AttemptScope {
  events: readonly LogEvent[];
  /** Where each attempt begins in `events` (`attemptCuts`). */
  cuts: readonly number[];
  /** Each attempt's events, from its cut to the next. */
  attempts: readonly (readonly LogEvent[])[];
}

/**
 * Some attempts' integration spans (pure; `which`: their indices): integrate's own
 * (`collectIntegrationIntervals` over their events) and each `integration` phase, paired over the
 * whole log (`pairPhases`), that ends in one of them (one still open: that starts in one of them), or
 * before the first attempt when `withBefore`. So a phase the user records by hand around `baton
 * integrate` (`baton phase start integration`, a review, then integrate) counts with the attempt it
 * ended in, its start before the attempt's own phase as much as its end after it, the spans covered
 * once. An end with no start in the log adds nothing once integrate's own events time the attempts.
 */
function attemptSpans(scope: AttemptScope, which: ReadonlySet<number>, withBefore: boolean): Interval[] {
  const own = collectIntegrationIntervals(scope.attempts.filter((_, k) => which.has(k)).flat());
  const attemptAt = (i: number) => scope.cuts.findLastIndex((cut) => cut <= i);
  const phases = (pairPhases(scope.events).get('integration') ?? []).filter((p) => {
    const k = attemptAt(p.endAt === -1 ? p.startAt : p.endAt);
    return (k === -1 ? withBefore : which.has(k)) && (own.length === 0 || p.start !== null);
  });
  return [...own, ...phases.map(({ start, end }) => ({ start, end }))];
}

/** Where each attempt begins: its `integration.started`, or the `integration` phase opened just before it. */
function attemptCuts(events: readonly LogEvent[]): number[] {
  const cuts: number[] = [];
  let previous = -1;
  events.forEach((e, start) => {
    if (e.type !== 'integration.started') return;
    let cut = start;
    for (let i = start - 1; i > previous; i--) {
      const p = events[i];
      if (p?.type === 'phase.started' && p.phase === 'integration') {
        cut = i;
        break;
      }
      if (p?.type === 'integration.ended') break;
    }
    cuts.push(cut);
    previous = start;
  });
  return cuts;
}

/**
 * Which attempts `--fresh` or `baton clean` discarded (`integration.discarded`), by index: the one whose
 * `integration.started` has the `started_at` it names, or else the last begun before it.
 */
function discardedMarks(events: readonly LogEvent[]): Set<number> {
  const starts: Array<{ at: number; ts: string }> = [];
  const marked = new Set<number>();
  events.forEach((e, i) => {
    if (e.type === 'integration.started') starts.push({ at: i, ts: e.ts });
    if (e.type !== 'integration.discarded' || starts.length === 0) return;
    const named = e.started_at === undefined ? -1 : starts.findLastIndex((s) => s.ts === e.started_at);
    marked.add(named >= 0 ? named : starts.length - 1);
  });
  return marked;
}

/**
 * Whether an attempt was discarded: `--fresh` or `clean` recorded so (`discardedMarks`) and it never moved a
 * branch. One that moved its `--into` branch was delivered whatever came after: its merges are on that
 * branch, so a later `--fresh` throws away only the integration branch's copy of them.
 */
function isDiscarded(attempt: readonly LogEvent[], marked: boolean): boolean {
  return marked && !attempt.some((e) => e.type === 'integration.ended' && e.into !== undefined);
}

/** The files each feature's agent changed, by `agent.exited` and best-of-N's `attempt.ended`. */
function filesByFeature(events: readonly LogEvent[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== 'agent.exited' && e.type !== 'attempt.ended') continue;
    const files = out.get(e.feature_id) ?? new Set<string>();
    for (const f of e.files) files.add(f);
    out.set(e.feature_id, files);
  }
  return out;
}

/**
 * The delivered attempts' events, a conflict that names no feature given the ones it was with (pure):
 * integrate names only the features merged in the same attempt, so a feature integrated later onto a
 * branch an earlier delivered attempt moved (`--into`) conflicts "with the base". The features that
 * attempt merged onto that branch and whose agents changed a conflicted file are the other side.
 */
function namePartners(attempts: readonly LogEvent[][], all: readonly LogEvent[]): LogEvent[] {
  const files = filesByFeature(all);
  const onBranch = new Map<string, Set<string>>();
  const out: LogEvent[] = [];
  for (const attempt of attempts) {
    let base: string | undefined;
    const merged = new Set<string>();
    for (const e of attempt) {
      if (e.type === 'integration.started') base = e.base_name;
      if (e.type === 'merge.clean') merged.add(e.feature_id);
      if (e.type === 'integration.ended' && e.into !== undefined) {
        onBranch.set(e.into, new Set([...(onBranch.get(e.into) ?? []), ...merged]));
      }
      if (e.type !== 'merge.conflict' || e.with.length > 0 || e.base_lacks_cut !== undefined) {
        out.push(e);
        continue;
      }
      const earlier = [...(onBranch.get(base ?? '') ?? [])].filter(
        (id) => id !== e.feature_id && e.files.some((f) => files.get(id)?.has(f)),
      );
      out.push(earlier.length > 0 ? { ...e, with: earlier } : e);
    }
  }
  return out;
}

/**
 * Splits the log's integration into attempts (pure). Each `integration.started` begins one (with the
 * `integration` phase opened just before it); `--continue`s belong to the attempt they go on with.
 * An attempt is discarded only when `--fresh` or `clean` recorded so (`isDiscarded`); every other one — ended
 * clean, partial, at a conflict, or still open — is delivered work: its merges, conflicts, tests and
 * time count. The integration time is the delivered attempts' spans covered once (`coveredMs`):
 * attempts run one after another, so it is the sum of each one's time, the waits between them not
 * counted. A log without `integration.started` (a phase recorded by hand, or conflicts alone) is one
 * delivered attempt.
 */
export function splitIntegrationAttempts(events: readonly LogEvent[]): IntegrationAttempts {
  const cuts = attemptCuts(events);
  if (cuts.length === 0) {
    const spans = integrationSpans(events);
    return {
      final: [...events],
      delivered: [...events],
      ...countConflicts(events),
      intervals: spans,
      finalIntervals: spans,
      begun: 0,
      discarded: 0,
      discardedMin: null,
    };
  }
  const attempts = cuts.map((cut, k) => events.slice(cut, cuts[k + 1] ?? events.length));
  const marks = discardedMarks(events);
  const thrownAt = new Set(attempts.flatMap((a, k) => (isDiscarded(a, marks.has(k)) ? [k] : [])));
  const keptAt = new Set(attempts.flatMap((_, k) => (thrownAt.has(k) ? [] : [k])));
  const kept = attempts.filter((_, k) => keptAt.has(k));
  const delivered = namePartners(kept, events);
  const scope = { events, cuts, attempts };
  const discardedMs = thrownAt.size > 0 ? coveredMs(attemptSpans(scope, thrownAt, false)) : null;
  return {
    final: kept.at(-1) ?? [],
    delivered,
    ...countConflicts(delivered),
    // What came before the first attempt (a phase recorded by hand) is delivered integration work.
    intervals: attemptSpans(scope, keptAt, true),
    finalIntervals: attemptSpans(scope, new Set([attempts.length - 1]), false),
    begun: attempts.length,
    discarded: thrownAt.size,
    discardedMin: discardedMs === null ? null : discardedMs / MINUTE,
  };
}
