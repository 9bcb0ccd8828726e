import { formatCount, formatMinutes, formatSpeedup, formatUsd, UNKNOWN } from '../metrics/format.js';
import type { CheckCounts, FeatureReport, Report, WorksheetRow } from '../metrics/types.js';

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
    status: f.attempts > 1 ? `${f.status} (${f.attempts} attempts)` : f.status,
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

function exitText(f: FeatureReport): string {
  if (!f.launched) return 'not started';
  if (f.signal) return `signal ${f.signal}`;
  if (f.exit_code !== null) return f.reason ? `exit ${f.exit_code}: ${f.reason}` : `exit ${f.exit_code}`;
  return f.reason ?? UNKNOWN;
}

function checksText(c: CheckCounts): string {
  if (c.total === 0) return '—';
  return c.unverifiable > 0
    ? `${c.passed}/${c.total} (${c.unverifiable} unverifiable)`
    : `${c.passed}/${c.total}`;
}
