import { fstatSync } from 'node:fs';
import { type ApiRetry, apiRetryIn } from '../agents/agent-output.js';
import { describeAttemptState } from '../attempts/describe.js';
import { attemptUnitId } from '../contracts/feature-id.js';
import {
  countChecks,
  type PlannedCriteria,
  type PlannedCriterion,
  plannedResults,
  uncommittedChecksReason,
  unverifiedComplete,
  unverifiedReason,
  type WorkerTrust,
} from '../log/check-reason.js';
import type { FeatureState } from '../log/fold.js';
import { shownAttemptStatus } from '../log/fold-attempts.js';
import { featureAgentLog } from '../log/paths.js';
import type { AttemptState, BatonState } from '../log/state.js';
import { UNKNOWN } from '../metrics/format.js';
import {
  agentTimeNote,
  attemptAgentTime,
  foldedAgentTime,
  LONGER_THAN_LOGGED,
} from '../metrics/intervals.js';
import { readRegularTail, withRegular } from '../open-regular.js';
import { formatDuration, type Palette, paintStatus } from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';

/** Header of the feature table shared by `status` and the live `run` view. */
export const FEATURE_HEADER = [
  'feature',
  'status',
  'agent',
  'elapsed',
  'exit',
  'checks',
  'cost',
  'last event',
];

/** How long an agent may print nothing before its row says it is silent (retrying its API, stuck, waiting). */
export const SILENCE_MS = 60_000;

/** Statuses whose row shows why the feature ended instead of its last event. */
const EXPLAINED = new Set(['failed', 'failed-checks', 'timeout', 'empty', 'interrupted']);

/** The characters of a reason a table row shows; a longer one is cut, and given in full under the table. */
export const REASON_WIDTH = 100;

/**
 * The reason a feature's row shows in place of its last event: why it ended as it did, or, for one
 * `complete` with one of its criteria (`look.criteria`) without a result, its checks passed only on a
 * worker (unless `trustWorkers` takes workers' word) or run on uncommitted changes, why integrate will
 * leave it out; or an `after: integration` criterion its contract still has that failed there.
 */
export function shownReason(
  f: FeatureState,
  look: PlannedLook & Pick<FeatureRowLook, 'trustWorkers'>,
): string | undefined {
  if (EXPLAINED.has(f.status) && f.reason) return f.reason;
  const unverified = unverifiedReason(f, plannedCriteriaOf(look.criteria, f.feature_id), trustOf(look));
  if (unverified !== undefined) return unverified;
  if (f.status !== 'complete') return undefined;
  return (
    uncommittedChecksReason(f) ??
    failedAfterIntegration(f, plannedCriteriaOf(look.integrationCriteria, f.feature_id))
  );
}

/**
 * Why the last integration held a `complete` feature back: an `after: integration` criterion of its that
 * failed on the merged result, with its message's first line. With `planned` (its contract's, when
 * known), only a criterion it still has, as `resultOf` finds its result: one removed or changed since
 * that integration no longer speaks for the feature (`plannedResults`).
 */
function failedAfterIntegration(
  f: FeatureState,
  planned: readonly PlannedCriterion[] | undefined,
): string | undefined {
  const failed = plannedResults(f.integration_checks, planned).find((c) => c.outcome === 'failed');
  if (failed === undefined) return undefined;
  const message = failed.message?.split('\n').find((l) => l.trim() !== '');
  return `after integration: check ${failed.criterion_id} failed${message ? `: ${message}` : ''}`;
}

/** A feature's status word, painted: `complete (unverified)` when its checks vouch for nothing here (`unverifiedComplete`). */
export function statusText(
  p: Palette,
  f: FeatureState,
  criteria: readonly PlannedCriterion[] | undefined,
  trust: WorkerTrust,
): string {
  return `${paintStatus(p, f.status)}${unverifiedComplete(f, criteria, trust) ? ` ${p.yellow('(unverified)')}` : ''}`;
}

/** How much of the end of an agent's log is read to see whether it is retrying its API. */
const TAIL_BYTES = 4096;

/** What the feature table reads of each agent's log: when it last grew, and whether it ends retrying. */
export interface AgentLogLook {
  /** When the agent last wrote to its log (the file's modification time), or undefined. */
  outputAt(f: FeatureState): number | undefined;
  /** Whether a running agent's log ends saying it is retrying its model API (from its last 4 KB). */
  retryOf(f: FeatureState): ApiRetry | undefined;
}

/** What the feature table reads of each feature: its agent log, and when the run it is part of started. */
export interface FeatureRowLook extends AgentLogLook {
  /** The run's start, the earliest a feature's recorded agent time can count from (`foldedAgentTime`). */
  runStartedAt?: string | undefined;
  /** The criteria each feature's worktree checks run, by id, when the contracts loaded. */
  criteria?: PlannedCriteria | undefined;
  /** Each feature's `after: integration` criteria, by id, when the contracts loaded. */
  integrationCriteria?: PlannedCriteria | undefined;
  /** The config's `trust_workers`: checks a worker reported count as passed here (default false). */
  trustWorkers?: boolean | undefined;
}

/** The criteria each feature's checks run, on its worktree and after integration, by id, when the contracts loaded. */
export type PlannedLook = Pick<FeatureRowLook, 'criteria' | 'integrationCriteria'>;

/** The worker trust a feature table applies: the config's, when it loaded; none otherwise. */
export function trustOf(look: Pick<FeatureRowLook, 'trustWorkers'>): WorkerTrust {
  return { trustWorkers: look.trustWorkers === true };
}

/** The worktree criteria a feature's checks run, by its contract; undefined when unknown. */
export function plannedCriteriaOf(
  criteria: PlannedCriteria | undefined,
  id: string,
): readonly PlannedCriterion[] | undefined {
  return criteria !== undefined && Object.hasOwn(criteria, id) ? criteria[id] : undefined;
}

/** Reads nothing: every agent counts as having no log yet. */
export const NO_AGENT_LOG: AgentLogLook = { outputAt: () => undefined, retryOf: () => undefined };

/**
 * Reads the agent logs of the repository whose main checkout is `root`, at the place Baton writes them
 * (`agentLogPath`) — never the `log_file` a line of the log names — and only regular files, opened
 * without following a symlink or waiting on a FIFO.
 */
export function agentLogLook(root: string): AgentLogLook {
  return {
    outputAt: (f) => {
      const path = featureAgentLog(root, f);
      return path === undefined ? undefined : withRegular(path, (fd) => fstatSync(fd).mtimeMs);
    },
    retryOf: (f) => {
      const path = f.status === 'running' ? featureAgentLog(root, f) : undefined;
      const tail = path === undefined ? undefined : readRegularTail(path, TAIL_BYTES);
      return tail === undefined ? undefined : apiRetryIn(tail.text);
    },
  };
}

/** "retrying its API: attempt 2 of 10, HTTP 529". */
function describeRetry(r: ApiRetry): string {
  const parts = [
    r.attempt !== undefined
      ? `attempt ${r.attempt}${r.max_retries !== undefined ? ` of ${r.max_retries}` : ''}`
      : '',
    r.status !== undefined ? `HTTP ${r.status}` : '',
  ].filter(Boolean);
  return `retrying its API${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** How long a running agent has printed nothing, when that is past `SILENCE_MS` (pure given the output time). */
export function silenceMs(f: FeatureState, now: number, outputAt: number | undefined): number | undefined {
  if (f.status !== 'running' || !f.started_at) return undefined;
  const since = Math.max(outputAt ?? 0, Date.parse(f.started_at));
  const silent = now - since;
  return Number.isFinite(silent) && silent >= SILENCE_MS ? silent : undefined;
}

/** Why a running agent shows no progress: retrying its model API, or silent for over a minute (else ''). */
function quietNote(
  f: FeatureState,
  p: Palette,
  now: number,
  outputAt: (f: FeatureState) => number | undefined,
  retryOf: (f: FeatureState) => ApiRetry | undefined,
): string {
  if (f.status !== 'running') return '';
  const retry = retryOf(f);
  if (retry) return ` ${p.yellow(`(${describeRetry(retry)})`)}`;
  const silent = silenceMs(f, now, outputAt(f));
  return silent !== undefined ? ` ${p.yellow(`(silent ${Math.round(silent / 1000)} s)`)}` : '';
}

/** What the agent reported it cost: dollars when it says, else tokens, else a dash. */
export function formatCost(f: FeatureState): string {
  const u = f.usage;
  if (u?.cost_usd !== undefined) return `$${u.cost_usd < 10 ? u.cost_usd.toFixed(2) : u.cost_usd.toFixed(0)}`;
  const tokens = (u?.input_tokens ?? 0) + (u?.output_tokens ?? 0);
  if (tokens === 0) return '—';
  return tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k tok` : `${tokens} tok`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One row of the feature table for a folded feature state; `look` gives the agent log's time and what
 * the end of the log says (`agentLogLook`; nothing is read by default), and the run's start.
 */
export function featureRow(
  f: FeatureState,
  p: Palette,
  now: number,
  look: FeatureRowLook = NO_AGENT_LOG,
): string[] {
  const { outputAt, retryOf } = look;
  const recorded = foldedAgentTime(f, look.runStartedAt);
  const elapsed =
    recorded.ms ??
    (f.started_at && (f.status === 'running' || f.status === 'verifying' || f.status === 'needs-input')
      ? now - Date.parse(f.started_at)
      : undefined);
  const criteria = plannedCriteriaOf(look.criteria, f.feature_id);
  const c = countChecks(f, 'worktree', criteria);
  const checks = c.total === 0 ? '—' : `${c.passed}/${c.total}`;
  const status = `${statusText(p, f, criteria, trustOf(look))}${quietNote(f, p, now, outputAt, retryOf)}`;
  const last = f.last_event
    ? `${f.last_event.type}${f.last_event.detail ? ` (${f.last_event.detail})` : ''}`
    : '—';
  const open = Object.values(f.collisions);
  // An open collision matters more than the last event while the agents still work.
  const note = open[0]
    ? `⚠ ${open[0].kind} with ${open[0].with}: ${open[0].paths.join(', ')} (${formatDuration(now - Date.parse(open[0].since))} ago)${open.length > 1 ? ` +${open.length - 1}` : ''}`
    : last;
  const why = shownReason(f, look);
  return [
    escapeControl(f.feature_id),
    status,
    escapeControl(f.agent ?? '—'),
    recorded.implausible
      ? `${UNKNOWN} (${LONGER_THAN_LOGGED})`
      : // Started, stopped, and no end time known (a run killed outright): not a zero.
        elapsed === undefined && f.started_at !== undefined
        ? UNKNOWN
        : formatDuration(elapsed),
    f.exit_code === undefined ? '—' : String(f.exit_code ?? f.signal ?? '—'),
    checks,
    formatCost(f),
    escapeControl(why !== undefined ? clip(why, REASON_WIDTH) : clip(note, 60)),
  ];
}

/** A best-of-N feature's attempts in attempt order (none for a plain feature). */
export function attemptsOf(f: FeatureState): AttemptState[] {
  return Object.values(f.attempts ?? {}).sort((a, b) => a.attempt - b.attempt);
}

/**
 * One row per best-of-N attempt, to print under its feature's row: the winner starred, with why it won,
 * after why it failed when it did not end complete. Its time is its agent's (`attemptAgentTime`, as the
 * report's), so the winner's is its feature's; an attempt whose agent still works counts from its start.
 */
export function attemptRows(
  f: FeatureState,
  p: Palette,
  now: number,
  state: Pick<BatonState, 'attempt_units' | 'run_started_at'>,
): string[][] {
  return attemptsOf(f).map((a) => {
    const unit = state.attempt_units?.[attemptUnitId(f.feature_id, a.attempt)];
    const status = shownAttemptStatus(a, unit);
    // What an attempt waiting for the conductor asked, as a feature's row shows it.
    const asked = status === 'needs-input' ? unit?.last_event?.detail : undefined;
    const won = f.winner?.attempt === a.attempt;
    const time = attemptAgentTime(state, f.feature_id, a.attempt);
    const elapsed =
      time.duration_ms ??
      (a.started_at && a.status === 'running' && !time.duration_implausible
        ? now - Date.parse(a.started_at)
        : undefined);
    const note = agentTimeNote(time);
    const numbers = describeAttemptState(a, time.duration_ms) ?? '';
    const failedWhy = a.status === 'complete' ? undefined : a.reason;
    const winner = `winner: ${f.winner?.reasons[0] ?? ''}`;
    const why = won ? (failedWhy ? `${failedWhy} — ${winner}` : winner) : (a.reason ?? asked ?? numbers);
    return [
      `  ${won ? '★' : '└'} ${escapeControl(f.feature_id)}.a${a.attempt}`,
      status === 'stopped' ? p.yellow('stopped') : paintStatus(p, status),
      escapeControl(a.agent ?? '—'),
      // Started, stopped, and no end time known (its run killed outright): not a zero.
      `${elapsed === undefined && a.started_at !== undefined ? UNKNOWN : formatDuration(elapsed)}${note ? ` (${note})` : ''}`,
      '—',
      a.checks && a.checks.total > 0 ? `${a.checks.passed}/${a.checks.total}` : '—',
      a.cost_usd !== undefined ? `$${a.cost_usd.toFixed(2)}` : '—',
      escapeControl(clip(why || '—', REASON_WIDTH)),
    ];
  });
}
