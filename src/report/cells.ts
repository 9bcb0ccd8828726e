import { attemptEndedWords } from '../attempts/ended-words.js';
import { describeEscapes } from '../log/escapes.js';
import {
  formatCount,
  formatMinutes,
  formatPercent,
  formatSpeedup,
  formatUsd,
  UNKNOWN,
} from '../metrics/format.js';
import type {
  AttemptReport,
  BestOfNReport,
  CheckCounts,
  ConflictReport,
  FeatureReport,
  Report,
  WorksheetRow,
} from '../metrics/types.js';

/** The text cells of the worksheet, shared by the markdown and HTML renderers. */
export interface WorksheetCells {
  phase: string;
  estimate: string;
  measured: string;
  actual: string;
  speedupEstimate: string;
  speedupMeasured: string;
}

/** Worksheet rows and total as display text; "—" where a column does not apply, "unknown" where it does. */
export function worksheetCells(report: Report): { rows: WorksheetCells[]; total: WorksheetCells } {
  const rows = report.worksheet.rows.map((r) => rowCells(r));
  const t = report.worksheet.total;
  return {
    rows,
    total: {
      phase: t.excluded.length > 0 ? `Total (without ${t.excluded.join(', ')})` : 'Total',
      estimate: formatMinutes(t.sequential_estimate_min),
      measured: formatMinutes(t.sequential_measured_min),
      actual: formatMinutes(t.parallel_actual_min),
      speedupEstimate: estimateCell(t.speedup_estimate, t.estimate_comparable),
      speedupMeasured: formatSpeedup(t.speedup_measured),
    },
  };
}

function rowCells(r: WorksheetRow): WorksheetCells {
  return {
    phase: r.phase,
    estimate: formatMinutes(r.sequential_estimate_min),
    measured: r.parallel ? measuredCell(r) : '—',
    actual: formatMinutes(r.parallel_actual_min),
    speedupEstimate: estimateCell(r.speedup_estimate, r.estimate_comparable),
    speedupMeasured: r.parallel ? formatSpeedup(r.speedup_measured) : '—',
  };
}

/** What an estimate-based speedup cell says: never a number from estimates of another kind. */
export const NOT_COMPARABLE = 'not comparable';

function estimateCell(speedup: number | null, comparable: boolean | null): string {
  return comparable === false ? NOT_COMPARABLE : formatSpeedup(speedup);
}

function measuredCell(r: WorksheetRow): string {
  const minutes = formatMinutes(r.sequential_measured_min);
  return r.sequential_basis === 'sequential-run' ? `${minutes} (-j 1 run)` : minutes;
}

/** Column titles of the worksheet, in the order of `worksheetRow`. */
export const WORKSHEET_HEAD = [
  'Phase',
  'Sequential (estimate)',
  'Sequential (measured)',
  'Parallel (actual)',
  'Speedup (estimate)',
  'Speedup (measured)',
];

/** A worksheet row's cells in column order. */
export function worksheetRow(c: WorksheetCells): string[] {
  return [c.phase, c.estimate, c.measured, c.actual, c.speedupEstimate, c.speedupMeasured];
}

/** Column headings of the per-feature table, shared by the markdown and HTML renderers. */
export const FEATURE_HEAD = [
  'Feature',
  'Agent',
  'Status',
  'Duration',
  'Exit',
  'Checks',
  'Files',
  'Conflicts',
  'Cost',
  'Tokens in / out',
];

/** The text cells of one feature row. */
export interface FeatureCells {
  feature: string;
  agent: string;
  status: string;
  duration: string;
  exit: string;
  checks: string;
  files: string;
  conflicts: string;
  cost: string;
  tokens: string;
}

/** A feature as display text. */
export function featureCells(f: FeatureReport): FeatureCells {
  return {
    feature: f.feature_id,
    agent: f.agent ?? UNKNOWN,
    status: statusText(f),
    duration: formatMinutes(f.duration_min),
    exit: exitText(f),
    checks: checksText(f.checks),
    files: String(f.files_changed.length),
    conflicts: String(f.conflicts),
    cost: f.cost_usd === null ? '—' : formatUsd(f.cost_usd),
    tokens:
      f.input_tokens === null && f.output_tokens === null
        ? '—'
        : `${formatCount(f.input_tokens)} / ${formatCount(f.output_tokens)}`,
  };
}

/**
 * The status, with the launches when there were several and those a later launch superseded unfinished,
 * and `(unverified)` for a `complete` feature whose checks vouch for nothing here (why: `unverifiedLines`).
 */
function statusText(f: FeatureReport): string {
  const superseded =
    f.superseded_attempts > 0 ? `, ${f.superseded_attempts} superseded before recording an exit` : '';
  const retried = f.retried_attempts.length > 0 ? `, ${retriedWords(f.retried_attempts)}` : '';
  // "launches", not "attempts": a retry, a resume or a restart launched the agent again; best-of-N's
  // attempts are units of their own, reported in their own section.
  const launches = f.attempts > 1 ? ` (${f.attempts} launches${retried}${superseded})` : '';
  return `${f.status}${launches}${f.unverified !== null ? ' (unverified)' : ''}`;
}

/** "1 retried after exit 1", "2 retried after a rate limit": the retried launches, by how they ended. */
function retriedWords(retried: FeatureReport['retried_attempts']): string {
  const how = (r: FeatureReport['retried_attempts'][number]) =>
    r.reason === 'rate-limited' ? 'a rate limit' : r.exit_code === null ? 'a signal' : `exit ${r.exit_code}`;
  const kinds = [...new Set(retried.map(how))];
  return `${retried.length} retried after ${kinds.join(' or ')}`;
}

/** The unverified features (`FeatureReport.unverified`), each `<id>: <why, and what to run>`, listed under the table. */
export function unverifiedLines(report: Report): Array<{ feature_id: string; why: string }> {
  return report.features.flatMap((f) =>
    f.unverified === null ? [] : [{ feature_id: f.feature_id, why: f.unverified }],
  );
}

/** The heading of that list. */
export const UNVERIFIED_HEAD = 'Unverified (`baton integrate` leaves them out until their checks pass here):';

/** A feature row's cells in the order of `FEATURE_HEAD`. */
export function featureRow(c: FeatureCells): string[] {
  return [c.feature, c.agent, c.status, c.duration, c.exit, c.checks, c.files, c.conflicts, c.cost, c.tokens];
}

/**
 * Amdahl's figures as text, in the order N, serial phases, parallelisable work, serial fraction,
 * bound, achieved: the columns both report tables start with.
 */
export function amdahlRow(a: Report['amdahl']): string[] {
  return [
    a.n === null ? UNKNOWN : String(a.n),
    formatMinutes(a.serial_min),
    formatMinutes(a.parallelisable_min),
    formatPercent(a.serial_fraction),
    formatSpeedup(a.bound),
    formatSpeedup(a.achieved),
  ];
}

function exitText(f: FeatureReport): string {
  // The reason follows whatever ended it (a time limit, a failed setup, a dependency that failed first).
  const why = f.reason ? `: ${f.reason}` : '';
  if (!f.launched) return `not started${why}`;
  if (f.signal) return `signal ${f.signal}${why}`;
  if (f.exit_code !== null) return `exit ${f.exit_code}${why}`;
  return f.reason ?? UNKNOWN;
}

function checksText(c: CheckCounts): string {
  if (c.total === 0) return '—';
  return c.unverifiable > 0
    ? `${c.passed}/${c.total} (${c.unverifiable} unverifiable)`
    : `${c.passed}/${c.total}`;
}

/** Column headings of a best-of-N feature's attempts table, shared by the markdown and HTML renderers. */
export const ATTEMPT_HEAD = [
  'Attempt',
  'Agent',
  'Status',
  'Checks',
  'Measured',
  'Lines changed',
  'Outside owns',
  'Cost',
  'Duration',
  'Winner',
];

/** Columns of `ATTEMPT_HEAD` that hold numbers (right-aligned). */
export const ATTEMPT_NUMERIC = [0, 5, 6, 7, 8];

/** Measured values as `latency p95_ms 20.3`, criteria in order. */
function measuredText(m: AttemptReport['measured']): string {
  const parts = Object.entries(m).flatMap(([criterion, values]) =>
    Object.entries(values).map(([key, v]) => `${criterion} ${key} ${Number(v.toFixed(1))}`),
  );
  return parts.length === 0 ? '—' : parts.join(', ');
}

/** One attempt's row in `ATTEMPT_HEAD` order. */
export function attemptRow(a: AttemptReport, b: BestOfNReport): string[] {
  return [
    String(a.attempt),
    a.agent ?? (a.started ? UNKNOWN : '—'),
    a.status === 'complete' ? a.status : attemptEndedWords(a),
    checksText(a.checks),
    measuredText(a.measured),
    a.lines_changed === null ? UNKNOWN : String(a.lines_changed),
    a.outside_owns === null ? UNKNOWN : String(a.outside_owns),
    a.cost_usd === null ? '—' : formatUsd(a.cost_usd),
    a.started ? formatMinutes(a.duration_min) : 'not started',
    a.winner ? (b.picked ? '★ (picked)' : '★') : '',
  ];
}

/** The decision in a sentence: who won, by which rule, and why (or that none was chosen). */
export function describeDecision(b: BestOfNReport): string {
  if (b.winner === null && b.rerun)
    return 'No winner: a plain rerun (`baton run --resume`) took over from the attempts on the feature branch; `baton pick` puts one back.';
  if (b.winner === null)
    return 'No winner yet: the run stopped before every attempt ended (`baton run --resume` decides it).';
  const why = b.reasons.length > 0 ? `: ${b.reasons.join('; ')}` : '';
  // A pick's reason says so already (`picked by hand over attempt 2 (baton pick)`): not said twice.
  if (b.picked) return `Winner: attempt ${b.winner}${why || ' (picked by hand with `baton pick`)'}.`;
  return `Winner: attempt ${b.winner} (select: ${b.select ?? UNKNOWN})${why}.`;
}

/** What best-of-N added for one feature: the other attempts' cost and agent time. */
export function describeExtra(b: BestOfNReport): string {
  const others = b.attempts.length - (b.winner === null ? 0 : 1);
  return (
    `Best-of-N's extra: ${others} other attempt${others === 1 ? '' : 's'}, ` +
    `${b.extra_cost_usd === null ? 'cost not reported' : formatUsd(b.extra_cost_usd)}, ` +
    `${formatMinutes(b.extra_agent_min)} of agent time.`
  );
}

/** The worksheet's note on best-of-N: the attempts' agent time is parallel work; the speedup counts winners. */
export function describeBestOfNWork(report: Report): string | undefined {
  const w = report.worksheet.best_of_n;
  if (!w) return undefined;
  return (
    `Best-of-N: ${w.attempts} attempts of ${w.features} feature${w.features === 1 ? '' : 's'} took ` +
    `${formatMinutes(w.agent_min)} of agent time, all of it parallel work inside the implementation phase ` +
    `(${formatMinutes(w.extra_agent_min)} by attempts that did not win); Sequential (measured) and the ` +
    'speedup count each feature’s winner only.'
  );
}

/** The heading of the report's escapes section (markdown and HTML). */
/**
 * The other side of a conflict that names no feature: integrate names the features merged before it
 * (and the report those an earlier delivered attempt put on the branch), so what is left is the
 * base's own changes.
 */
export const BASE_SIDE = "the base's own changes";

export const ESCAPES_HEADING = 'Changes outside the worktrees';

/**
 * The escapes as the report lists them (ids and changes as `code`), then what to do about them;
 * empty when the run recorded none.
 */
export function escapeItems(
  report: Report,
  code: (s: string) => string = (s) => `\`${s}\``,
): { lines: string[]; note: string } {
  return {
    lines: describeEscapes(report.features, report.escaped_unknown, code),
    note:
      'Baton found these after the agents ran and left them as they are, neither kept nor reverted: ' +
      'they are in your main checkout or repository, not on a feature’s branch. Look at them ' +
      '(`git status`, `git diff`) before you integrate.',
  };
}

/**
 * The conflicts from a base lacking the commit the features were cut from, in one line, `code`
 * wrapping ids, commits and files (markdown or HTML); undefined when there were none.
 */
export function baseLacksCutLine(
  c: ConflictReport['base_lacks_cut'],
  code: (text: string) => string,
): string | undefined {
  if (c.count === 0) return undefined;
  const each = c.conflicts.map(
    (x) =>
      `${code(x.feature_id)}, cut from ${code(x.cut_commit.slice(0, 10))}, on ${x.files.map(code).join(', ')}`,
  );
  return `Conflicts from a base lacking the commit the features were cut from: ${c.count} (${each.join('; ')})`;
}
