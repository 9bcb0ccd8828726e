import { chainOverlapped } from '../metrics/critical-path.js';
import {
  formatMinutes,
  formatPercent,
  formatSpeedup,
  formatTime,
  formatUsd,
  UNKNOWN,
} from '../metrics/format.js';
import type { Report } from '../metrics/types.js';
import { escapeControl } from '../text/escape.js';
import { markdownCode, markdownText, outsideCodeSpans } from '../text/markdown-code.js';
import {
  ATTEMPT_HEAD,
  ATTEMPT_NUMERIC,
  amdahlRow,
  attemptRow,
  BASE_SIDE,
  baseLacksCutLine,
  describeBestOfNWork,
  describeDecision,
  describeExtra,
  ESCAPES_HEADING,
  escapeItems,
  FEATURE_HEAD,
  featureCells,
  featureRow,
  UNVERIFIED_HEAD,
  unverifiedLines,
  WORKSHEET_HEAD,
  worksheetCells,
  worksheetRow,
} from './cells.js';
import { table } from './markdown-table.js';

/**
 * A sentence the report wrote around untrusted values (the headline, a diagnosis, an unknown): its own
 * code spans kept, but no HTML tag or entity and no link, whatever the values hold.
 */
function markdownProse(s: string): string {
  return outsideCodeSpans(escapeControl(s), (plain) => plain.replace(/[<>&[\]]/g, (c) => `\\${c}`));
}

export { markdownCode, markdownText };

/** Describes the run in one line: id (and the resumes it includes), start, end and outcome. */
export function describeRun(report: Report): string {
  const r = report.run;
  const resumed = r.resumed_by.length > 0 ? ` (resumed as ${r.resumed_by.map(markdownCode).join(', ')})` : '';
  const parts = [
    r.run_id === null ? 'No `run.started` in the log' : `Run ${markdownCode(r.run_id)}${resumed}`,
  ];
  if (r.started_at) parts.push(`started ${formatTime(r.started_at)}`);
  if (r.in_progress) parts.push('in progress');
  else if (r.unfinished) parts.push('never recorded its end (interrupted)');
  else if (r.ended_at) parts.push(`ended ${formatTime(r.ended_at)} (${r.outcome ?? UNKNOWN})`);
  parts.push(`${r.feature_ids.length} feature${r.feature_ids.length === 1 ? '' : 's'}`);
  if (r.concurrency !== null) parts.push(`concurrency ${r.concurrency}`);
  if (!r.with_plan) parts.push('without contracts (estimates unknown)');
  return `${parts.join(' · ')}.`;
}

/**
 * The delivered integration attempts' merges per feature, the criteria that failed again on the
 * result, the outcome and what `--into` did, and the attempts discarded (raw text: the renderer escapes it).
 */
export function describeMerges(report: Report): string {
  const i = report.integration;
  const discarded =
    i.discarded_attempts > 0
      ? ` ${i.discarded_attempts} earlier attempt${i.discarded_attempts === 1 ? ' was' : 's were'} discarded` +
        `${i.discarded_min === null ? '' : ` (${formatMinutes(i.discarded_min)})`} and not counted in the integration time.`
      : '';
  const m = i.merges;
  const resolved = m.resolved > 0 ? ` (${m.resolved} after a conflict was resolved)` : '';
  const promotion =
    i.promotion_failed > 0
      ? `; criteria run again on the result before --into: ${i.promotion_failed} failed`
      : '';
  const into = i.into
    ? i.into.moved
      ? `; --into ${i.into.branch}: fast-forwarded to the result`
      : `; --into ${i.into.branch}: left where it was${i.into.refused ? ` (${i.into.refused})` : ''}`
    : '';
  return (
    `Merges (delivered attempts, one per feature): ${m.clean} merged${resolved}, ${m.conflict} stopped at a conflict, ${m.skipped} skipped` +
    `; post-merge tests: ${i.tests.passed} passed, ${i.tests.failed} failed` +
    promotion +
    (i.outcome ? `; outcome: ${i.outcome}` : '') +
    into +
    '.' +
    discarded
  );
}

/** The critical paths by estimate and by measurement, one sentence each; "unknown" without estimates. */
export function describeCriticalPaths(report: Report): string[] {
  const cp = report.critical_path;
  const out: string[] = [];
  if (cp.planned) {
    out.push(
      `Critical path (estimates): ${cp.planned.feature_ids.map(markdownText).join(' → ')}, ${formatMinutes(cp.planned.minutes)}.`,
    );
  } else if (cp.planned_unknown) {
    out.push(markdownProse(cp.planned_unknown));
  }
  if (cp.measured) {
    const overlap = chainOverlapped(cp.measured)
      ? ` of agent time, overlapping into ${formatMinutes(cp.measured.wall_min)} of wall-clock`
      : '';
    out.push(
      `Critical path (measured): ${cp.measured.feature_ids.map(markdownText).join(' → ')}, ${formatMinutes(cp.measured.minutes)}${overlap}.`,
    );
  }
  return out;
}

/**
 * The report as markdown that fits in a README: tables and lists, no HTML (pure). Ids, reasons and
 * files come from the log: their control characters are escaped once, over the whole text.
 */
export function renderMarkdown(report: Report): string {
  const text = [
    '# Baton report',
    '',
    describeRun(report),
    '',
    `**${markdownProse(report.headline.text)}**`,
    '',
    ...escapesSection(report),
    ...worksheetSection(report),
    ...featuresSection(report),
    ...attemptsSection(report),
    ...conflictsSection(report),
    ...collisionsSection(report),
    ...interventionsSection(report),
    ...integrationSection(report),
    ...amdahlSection(report),
    ...diagnosisSection(report),
  ].join('\n');
  return escapeControl(text, { keepNewlines: true });
}

/** What agents changed outside their worktrees, first: Baton left it in the user's checkout. */
function escapesSection(report: Report): string[] {
  const { lines, note } = escapeItems(report, markdownCode);
  if (lines.length === 0) return [];
  return [`## ${ESCAPES_HEADING}`, '', ...lines.map((l) => `- ${l}`), '', note, ''];
}

/** The worksheet: a row per phase, the total, and where each column comes from. */
function worksheetSection(report: Report): string[] {
  const out: string[] = [];
  const ws = worksheetCells(report);
  out.push('## Time-tracking worksheet', '');
  out.push(
    ...table(
      WORKSHEET_HEAD,
      ['l', 'r', 'r', 'r', 'r', 'r'],
      [...ws.rows.map(worksheetRow), worksheetRow(ws.total).map((c) => ({ md: `**${markdownText(c)}**` }))],
    ),
  );
  out.push(
    '',
    'Sequential (estimate) comes from the contracts’ `estimate_minutes` and the config’s `estimates`; its speedup ' +
      'says “not comparable” when the estimates are not of the kind measured (human minutes against seconds). ' +
      'Sequential (measured) is the wall-clock of the same agents run one at a time (`-j 1`) when the log records ' +
      'one, else the agents’ time summed — one agent doing the features one after another — and its total adds ' +
      'the serial phases as they took.',
    '',
  );
  const bestOfN = describeBestOfNWork(report);
  if (bestOfN) out.push(bestOfN, '');
  return out;
}

/** A table of attempts per best-of-N feature, the decision and what the other attempts cost. */
function attemptsSection(report: Report): string[] {
  const withAttempts = report.features.filter((f) => f.best_of_n !== null);
  if (withAttempts.length === 0) return [];
  const out: string[] = ['## Best-of-N attempts', ''];
  for (const f of withAttempts) {
    const b = f.best_of_n!;
    const align = ATTEMPT_HEAD.map((_, i): 'l' | 'r' => (ATTEMPT_NUMERIC.includes(i) ? 'r' : 'l'));
    out.push(`### ${markdownCode(f.feature_id)}`, '');
    out.push(
      ...table(
        ATTEMPT_HEAD,
        align,
        b.attempts.map((a) => attemptRow(a, b)),
      ),
      '',
    );
    out.push(markdownProse(describeDecision(b)), '', describeExtra(b), '');
  }
  return out;
}

/** One row per feature, and the agents' total cost. */
function featuresSection(report: Report): string[] {
  const out: string[] = [];
  out.push('## Features', '');
  if (report.features.length === 0) out.push('No feature appears in this run.', '');
  else {
    out.push(
      ...table(
        FEATURE_HEAD,
        ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
        report.features.map((f) =>
          featureRow(featureCells(f)).map((s, i) => (i === 0 ? { md: markdownCode(s) } : s)),
        ),
      ),
      '',
    );
    const unverified = unverifiedLines(report);
    if (unverified.length > 0) {
      out.push(UNVERIFIED_HEAD, '');
      for (const u of unverified) out.push(`- ${markdownCode(u.feature_id)}: ${markdownProse(u.why)}`);
      out.push('');
    }
    if (report.totals.cost_usd !== null) {
      const extra = report.totals.best_of_n_extra_cost_usd;
      const ofWhich =
        extra === null ? '' : `, of which ${formatUsd(extra)} on best-of-N attempts that did not win`;
      out.push(`Total cost reported by the agents: ${formatUsd(report.totals.cost_usd)}${ofWhich}.`, '');
    }
  }
  return out;
}

/** Conflicts against the potential integration points, with the owners of each file. */
function conflictsSection(report: Report): string[] {
  const out: string[] = [];
  const c = report.conflicts;
  out.push('## Merge conflicts', '');
  out.push(
    `- Conflicts: ${c.count}${c.files.length > 0 ? ` on ${c.files.map(markdownCode).join(', ')}` : ''}`,
  );
  const lacking = baseLacksCutLine(c.base_lacks_cut, markdownCode);
  if (lacking) out.push(`- ${lacking}`);
  out.push(
    `- Potential integration points N·(N−1)/2: ${c.potential_points}; pairs that really conflicted: ${c.conflicting_pairs}`,
  );
  if (c.declared_points !== null)
    out.push(`- Declared dependencies between these features: ${c.declared_points}`);
  if (c.predicted_overlaps && c.predicted_overlaps.length > 0) {
    out.push(
      `- Overlaps the plan predicted: ${c.predicted_overlaps.map((o) => `${markdownCode(o.a)} × ${markdownCode(o.b)} (${markdownCode(o.pattern)})`).join(', ')}`,
    );
  }
  for (const p of c.pairs) {
    const owners = p.files
      .map(
        (f) =>
          `${markdownCode(f.file)}${f.owners === null ? '' : ` (owned by ${f.owners.length > 0 ? f.owners.map(markdownText).join(', ') : 'no contract'})`}`,
      )
      .join(', ');
    out.push(
      `- ${markdownCode(p.feature_id)} × ${p.with === null ? BASE_SIDE : markdownCode(p.with)}: ${owners}`,
    );
  }
  out.push('');
  return out;
}

/** A collision's verdict in words, by what integration did with its pair. */
const COLLISION_VERDICT = {
  before: 'not integrated yet',
  conflicted: 'conflicted at integration',
  merged: 'merged cleanly',
  'not-merged': 'not integrated',
} as const;

/** What the collision radar saw while the agents worked, and whether integration proved it right. */
function collisionsSection(report: Report): string[] {
  const out: string[] = [];
  const col = report.collisions;
  if (col.count === 0) return out;
  out.push('## Collisions seen while the agents worked', '');
  out.push(
    `- Collisions: ${col.count}; confirmed by a merge conflict at integration: ${col.confirmed}` +
      (col.median_lead_min === null
        ? ''
        : `; median warning before integration: ${formatMinutes(col.median_lead_min)}`),
  );
  for (const r of col.records) {
    const unmerged = r.not_merged?.length ? ` (${r.not_merged.map(markdownCode).join(', ')} not merged)` : '';
    const verdict = `${COLLISION_VERDICT[r.integration ?? 'before']}${unmerged}`;
    out.push(
      `- ${r.features.map(markdownCode).join(' × ')} (${r.kind}): ${r.paths.map(markdownCode).join(', ')}${r.resolved_at ? ', resolved while running' : ''}; ${verdict}`,
    );
  }
  out.push('');

  return out;
}

/** How often the conductor stepped into an interactive agent, per feature. */
function interventionsSection(report: Report): string[] {
  const rows = report.interventions.filter((f) => f.interventions > 0 || f.waits > 0);
  if (rows.length === 0) return [];
  return [
    '## Interventions',
    '',
    ...rows.map(
      (f) =>
        `- ${markdownCode(f.feature_id)}: ${f.interventions} intervention${f.interventions === 1 ? '' : 's'}, waited for input ${f.waits} time${f.waits === 1 ? '' : 's'} (${formatMinutes(f.waiting_ms / 60_000)})`,
    ),
    '',
  ];
}

/** Integration time against execution, its verdict and the delivered attempts' merges. */
function integrationSection(report: Report): string[] {
  const out: string[] = [];
  const i = report.integration;
  out.push('## Integration', '');
  out.push(
    ...table(
      ['Integration', 'Execution', 'Integration ÷ execution', 'Verdict'],
      ['r', 'r', 'r', 'l'],
      [[formatMinutes(i.duration_min), formatMinutes(i.execution_min), formatPercent(i.ratio), i.verdict]],
    ),
    '',
    markdownProse(i.verdict_text),
    '',
  );
  // The `--into` refusal is the log's text: no HTML, no link.
  if (i.ran) out.push(markdownProse(describeMerges(report)), '');
  return out;
}

/** Amdahl's bound and the critical paths. */
function amdahlSection(report: Report): string[] {
  const out: string[] = [];
  const a = report.amdahl;
  out.push('## Amdahl', '');
  out.push(
    ...table(
      [
        'N',
        'Serial phases',
        'Parallelisable work',
        'Serial fraction s',
        'Bound 1/(s+(1−s)/N)',
        'Achieved',
        'Implementation',
      ],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
      [[...amdahlRow(a), formatSpeedup(a.implementation_speedup)]],
    ),
    '',
  );
  const paths = describeCriticalPaths(report);
  if (paths.length > 0) out.push(...paths, '');
  return out;
}

/** The diagnosis and what could not be measured. */
function diagnosisSection(report: Report): string[] {
  const out: string[] = [];
  out.push('## Diagnosis', '');
  if (report.diagnosis.length === 0) out.push('Nothing to diagnose yet.');
  for (const d of report.diagnosis) out.push(`- ${markdownProse(d)}`);
  out.push('');

  if (report.unknowns.length > 0) {
    out.push('## Unknown', '');
    for (const u of report.unknowns) out.push(`- ${markdownProse(u)}`);
    out.push('');
  }
  return out;
}
