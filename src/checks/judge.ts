/**
 * Verdicts and their messages, computed from what was measured (pure). The edges (processes,
 * servers, HTTP, git) measure; these functions decide and say why, in one line a person reads.
 */
import type { Contract, Criterion, HttpCheck } from '../contracts/schema.js';
import type { CheckPlace } from '../log/event-fields.js';
import type { CheckMeasurement } from '../log/events.js';
import { describeExit } from '../process/supervise.js';
import { escapeControl } from '../text/escape.js';
import { criterionDigest } from './criterion-digest.js';
import type { LatencySummary } from './latency.js';

/** The outcome of one criterion, before it becomes an event. */
export interface CheckVerdict {
  outcome: 'passed' | 'failed' | 'unverifiable';
  message: string;
  measured?: CheckMeasurement;
}

/** Error rate allowed when a check names none: a local server under test should not fail at all. */
export const DEFAULT_MAX_ERROR_RATE = 0;

/** Formats milliseconds with one decimal: `154.2`. */
export function formatMs(ms: number): string {
  return ms.toFixed(1);
}

/** Formats a limit given in seconds as the user wrote it: `2 s`, `0.5 s`. */
export function formatLimit(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Formats how long something took: `85 ms`, `1.2 s`, `12 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${Number(s.toFixed(1))} s`;
  return `${Math.round(s)} s`;
}

/** Formats a rate as a percentage: `2.5%`, `0%`. */
export function formatRate(rate: number): string {
  return `${Number((rate * 100).toFixed(1))}%`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The message a criterion without anything to run gets. */
export function judgeUnverifiable(): CheckVerdict {
  return {
    outcome: 'unverifiable',
    message: 'nothing to run: give the criterion a `run:`, `http:` or `files:` field to make it a check',
  };
}

/** What a finished command reported. */
export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** stdout and stderr, interleaved as they were written. */
  output: string;
  /** Processes the command left running outside its process group, stopped when the Baton command ends. */
  leftRunning?: ReadonlyArray<{ pid: number; command: string }>;
  /** A port of the feature's block one of them listened on: they were stopped at once. */
  heldPort?: number;
}

/**
 * What a verdict's message adds when the command left processes running: stopped when the command
 * ends, or at once (`stoppedNow`, always when one held `heldPort`, a port of `whose` block).
 */
export function leftRunningNote(
  left: CommandResult['leftRunning'],
  heldPort?: number,
  stoppedNow = heldPort !== undefined,
  whose = "the feature's",
): string {
  if (!left || left.length === 0) return '';
  const shown = left
    .slice(0, 3)
    .map((p) => clip(p.command, 80))
    .join(', ');
  const more = left.length > 3 ? `, and ${left.length - 3} more` : '';
  const when = !stoppedNow
    ? 'which Baton stops when this command ends'
    : heldPort === undefined
      ? 'stopped by Baton at once'
      : `stopped by Baton at once (one listened on port ${heldPort}, ${whose})`;
  return `; it left ${left.length} process${left.length === 1 ? '' : 'es'} running, ${when}: ${shown}${more}`;
}

/** Lines of output kept in a check event. */
export const OUTPUT_TAIL_LINES = 20;

/** The last `n` non-blank lines of a text. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Judges a `run` check: exit 0 passes; a timeout or any other exit fails, with the output's tail. */
export function judgeRun(result: CommandResult, timeoutMs: number): CheckVerdict {
  const tail = lastLines(result.output, OUTPUT_TAIL_LINES).join('\n');
  const measured: CheckMeasurement = {
    exit_code: result.exitCode,
    duration_ms: Math.round(result.durationMs),
    ...(tail ? { output_tail: tail } : {}),
  };
  if (result.timedOut) {
    return {
      outcome: 'failed',
      message: `timed out after ${formatLimit(timeoutMs)}: the command was stopped${leftRunningNote(result.leftRunning, result.heldPort)}`,
      measured,
    };
  }
  const took = formatDuration(result.durationMs);
  if (result.exitCode === 0 && result.signal === null) {
    return {
      outcome: 'passed',
      message: `exit 0 after ${took}${leftRunningNote(result.leftRunning, result.heldPort)}`,
      measured,
    };
  }
  const last = lastLines(result.output, 1)[0];
  const exit = describeExit({ exitCode: result.exitCode, signal: result.signal, timedOut: false });
  return {
    outcome: 'failed',
    message: `${exit} after ${took}${last ? `: ${clip(last.trim(), 200)}` : ' (no output)'}${leftRunningNote(result.leftRunning, result.heldPort)}`,
    measured,
  };
}

type Percentile = 'p50' | 'p95' | 'p99';
const PERCENTILES: Percentile[] = ['p50', 'p95', 'p99'];

/**
 * Whether a load that failed its check missed latency thresholds and nothing else: every request
 * answered and the error rate held. Such a miss is worth one more load, since a busy machine (a
 * build, the other agents) slows one load without the server being slow; errors are the server's.
 */
export function missedOnlyLatency(check: HttpCheck, summary: LatencySummary): boolean {
  if (summary.requests === 0 || summary.unanswered > 0) return false;
  if (summary.error_rate > (check.max_error_rate ?? DEFAULT_MAX_ERROR_RATE)) return false;
  return PERCENTILES.some((p) => {
    const limit = check[`${p}_ms`];
    const value = summary[`${p}_ms`];
    return limit !== undefined && value !== undefined && value > limit;
  });
}

/** Judges an HTTP load against the check's thresholds; every declared threshold must hold. */
export function judgeLatency(check: HttpCheck, summary: LatencySummary, sampleError?: string): CheckVerdict {
  const measured: CheckMeasurement = {
    requests: summary.requests,
    error_rate: summary.error_rate,
    ...(summary.p50_ms !== undefined ? { p50_ms: round1(summary.p50_ms) } : {}),
    ...(summary.p95_ms !== undefined ? { p95_ms: round1(summary.p95_ms) } : {}),
    ...(summary.p99_ms !== undefined ? { p99_ms: round1(summary.p99_ms) } : {}),
  };
  const noAnswer = summary.unanswered > 0 ? `, ${summary.unanswered} without a response` : '';
  const counts = `${summary.requests} requests, ${summary.errors} error${summary.errors === 1 ? '' : 's'}${noAnswer}`;
  const because = sampleError ? `; first error: ${clip(sampleError, 200)}` : '';
  if (summary.requests === 0) {
    return { outcome: 'failed', message: 'no request was sent', measured };
  }
  if (summary.unanswered >= summary.requests) {
    return {
      outcome: 'failed',
      message: `no response to any of ${summary.requests} requests${because}`,
      measured,
    };
  }

  const broken: Array<{ p?: Percentile; text: string }> = [];
  const held: Array<{ p?: Percentile; text: string }> = [];
  for (const p of PERCENTILES) {
    const limit = check[`${p}_ms`];
    const value = summary[`${p}_ms`];
    if (limit === undefined || value === undefined) continue;
    if (value > limit) broken.push({ p, text: `${p} ${formatMs(value)} ms > threshold ${limit} ms` });
    else held.push({ p, text: `${p} ${formatMs(value)} ms ≤ ${limit} ms` });
  }
  const maxRate = check.max_error_rate ?? DEFAULT_MAX_ERROR_RATE;
  const rate = `error rate ${formatRate(summary.error_rate)}`;
  if (summary.error_rate > maxRate)
    broken.push({ text: `${rate} > threshold ${formatRate(maxRate)}${because}` });
  else if (check.max_error_rate !== undefined) held.push({ text: `${rate} ≤ ${formatRate(maxRate)}` });

  // The headline names what decided the outcome; the other percentiles follow in parentheses.
  const failed = broken.length > 0;
  const headline = failed ? broken : held;
  const named = new Set(headline.map((h) => h.p));
  const others = PERCENTILES.filter((p) => !named.has(p))
    .map((p) => `${p} ${formatMs(summary[`${p}_ms`] ?? 0)}`)
    .join(', ');
  const detail = `(${others ? `${others}; ` : ''}${counts})`;
  const said =
    headline.length > 0 ? headline.map((h) => h.text).join(failed ? '; ' : ', ') : 'every request succeeded';
  return { outcome: failed ? 'failed' : 'passed', message: `${said} ${detail}`, measured };
}

/** What a files check found. */
export interface FilesFindings {
  /**
   * For each `exist` glob, the files it matched, those left out because git ignores them, and what it
   * would have reached outside the worktree (the glob itself, or paths through a symlink out).
   */
  exist: Array<{ glob: string; matches: string[]; ignored?: string[]; outside?: string[] }>;
  /** With `untouched_outside_owns`: every file the branch changed, and the feature's owns. */
  ownership?: { changed: string[]; outside: string[]; owns: string[] };
}

/** Judges a files check: every `exist` glob matches a file, and no change falls outside `owns`. */
export function judgeFiles(findings: FilesFindings): CheckVerdict {
  const missing = findings.exist.filter((e) => e.matches.length === 0).map((e) => e.glob);
  const found = findings.exist.reduce((n, e) => n + e.matches.length, 0);
  const problems: string[] = [];
  const fine: string[] = [];
  const ignored = findings.exist.flatMap((e) => (e.matches.length === 0 ? (e.ignored ?? []) : []));
  // An ignored file is on the disk only: the commit that gets merged does not hold it.
  const ignoredNote =
    ignored.length > 0
      ? `; git ignores ${ignored.slice(0, 5).join(', ')}, so no commit holds ${ignored.length === 1 ? 'it' : 'them'}`
      : '';
  const outside = findings.exist.flatMap((e) => (e.matches.length === 0 ? (e.outside ?? []) : []));
  // A glob or symlink leading out names what it found there: the check looked, and refused to count it.
  const outsideNote =
    outside.length > 0
      ? `; ${outside.slice(0, 5).join(', ')} ${outside.length === 1 ? 'leads' : 'lead'} outside the worktree, where a files check does not look`
      : '';
  if (missing.length > 0)
    problems.push(`missing: ${missing.join(', ')} (no file matches${ignoredNote}${outsideNote})`);
  else if (findings.exist.length > 0)
    fine.push(
      `${plural(found, 'file')} found for ${findings.exist.length} glob${findings.exist.length === 1 ? '' : 's'}`,
    );
  const own = findings.ownership;
  const ownsText = own && own.owns.length > 0 ? own.owns.join(', ') : 'nothing declared';
  if (own && own.outside.length > 0) {
    problems.push(`changed outside owns: ${own.outside.join(', ')} (owns: ${ownsText})`);
  } else if (own) {
    fine.push(`${plural(own.changed.length, 'changed file')}, none outside owns (${ownsText})`);
  }
  const files = [...missing, ...(own?.outside ?? [])];
  const measured: CheckMeasurement = files.length > 0 ? { files } : {};
  if (problems.length > 0) return { outcome: 'failed', message: problems.join('; '), measured };
  return { outcome: 'passed', message: fine.join('; ') || 'nothing to check', measured };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How a server failed to come up, for the message of the check that needed it. */
export interface ServerFailure {
  host: string;
  port: number;
  serve: string;
  /** The server's last output lines. */
  output: string;
  /** Set when the server exited before opening its port; otherwise it timed out. */
  exit?: { exitCode: number | null; signal: string | null };
  timeoutMs: number;
}

/** The message of an HTTP check whose server never accepted connections. */
export function describeServerFailure(f: ServerFailure): string {
  const where = `${f.host}:${f.port}`;
  const head = f.exit
    ? `server exited (${describeExit({ ...f.exit, timedOut: false })}) before accepting connections on ${where}`
    : `server did not accept connections on ${where} within ${formatLimit(f.timeoutMs)}`;
  const lines = lastLines(f.output, 3);
  const said = lines.length > 0 ? `its output: ${clip(lines.join(' | '), 400)}` : 'it printed nothing';
  return `${head} (serve: ${JSON.stringify(f.serve)}); ${said}`;
}

/**
 * The message of an HTTP check whose port another process holds, naming it when it was found
 * (`holders`: pid and command line, as /proc shows them; escaped here).
 */
export function describePortTaken(
  port: number,
  serve: string,
  holders: ReadonlyArray<{ pid: number; command: string }> = [],
): string {
  const who =
    holders.length > 0
      ? `by ${holders.map((h) => `pid ${h.pid} (${clip(escapeControl(h.command), 80)})`).join(', ')}`
      : 'by another process';
  const hint =
    holders.length > 0 ? `; stop it (kill ${holders.map((h) => h.pid).join(' ')}) and verify again` : '';
  return `port ${port} is already in use ${who}, so the server cannot start there (serve: ${JSON.stringify(serve)})${hint}`;
}

/**
 * The `check.*` event of one criterion's verdict (pure), without its run and commit: the one shape
 * `baton verify` and the orchestrator's own ownership check of a queued feature record, with the
 * digest of the criterion's definition (`criterionDigest`).
 */
export function checkEventOf(
  contract: Pick<Contract, 'feature_id' | 'owns'>,
  criterion: Criterion,
  verdict: CheckVerdict,
  on: CheckPlace,
) {
  return {
    type: `check.${verdict.outcome}` as const,
    feature_id: contract.feature_id,
    criterion_id: criterion.id,
    text: criterion.text,
    kind: criterion.kind,
    on,
    digest: criterionDigest(contract, criterion),
    message: verdict.message,
    ...(verdict.measured && Object.keys(verdict.measured).length > 0 ? { measured: verdict.measured } : {}),
  };
}
