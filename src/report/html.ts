import { formatMinutes, formatPercent, formatSpeedup, formatUsd } from '../metrics/format.js';
import type { Report } from '../metrics/types.js';
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
import { describeCriticalPaths, describeMerges, describeRun } from './markdown.js';
import { escapeXml, renderGanttSvg, renderGraphSvg, STATUS_COLORS } from './svg.js';

/**
 * Escapes text and turns markdown code spans into <code>, for diagnosis sentences: fenced by one
 * backtick, or by a longer run with a space inside when the code holds backticks (`markdownCode`).
 */
function prose(s: string): string {
  return escapeXml(s).replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, fence: string, body: string) => {
    const padded = fence.length > 1 && body.length > 1 && body.startsWith(' ') && body.endsWith(' ');
    return `<code>${padded ? body.slice(1, -1) : body}</code>`;
  });
}

function table(
  head: string[],
  rows: string[][],
  options: { numeric?: number[]; lastBold?: boolean } = {},
): string {
  const numeric = new Set(options.numeric ?? []);
  const th = head.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${escapeXml(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const bold = options.lastBold && ri === rows.length - 1;
      const tds = r.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`).join('');
      return `<tr${bold ? ' class="total"' : ''}>${tds}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.run { color: var(--muted); margin: 0 0 8px; }
p.headline { font-weight: 600; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
td code { overflow-wrap: anywhere; }
/* The features table: ids and the exit column (which can hold a whole agent.log path) wrap inside their box. */
table:has(> thead th:nth-child(10)) td:nth-child(5) { overflow-wrap: anywhere; min-width: 10em; }
table:has(> thead th:nth-child(10)) td:first-child { min-width: 7em; }
th { background: #f1f5f9; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f1f5f9; padding: 0 3px; border-radius: 3px; }
.figure { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; overflow-x: auto; }
.figure svg { display: block; max-width: 100%; height: auto; }
ul.diagnosis, ul.conflicts, li { overflow-wrap: anywhere; }
@media (max-width: 900px) { main { padding: 12px; } table { font-size: 13px; } th, td { padding: 4px 5px; } }
svg text { font: 12px system-ui, sans-serif; fill: #0f172a; }
svg .tick { stroke: #e2e8f0; }
svg .tick-label, svg .not-started { fill: #64748b; font-size: 11px; }
svg rect.phase { fill: #94a3b8; }
svg rect.phase.open { fill-opacity: 0.5; stroke: #1e293b; stroke-dasharray: 4 3; }
svg .phase-label { fill: #64748b; font-style: italic; }
svg rect.bar.open { stroke: #1e293b; stroke-dasharray: 4 3; fill-opacity: 0.55; }
svg .edge { fill: none; stroke: #94a3b8; stroke-width: 1.5; }
svg .edge.critical { stroke: #0f172a; stroke-width: 2.5; }
svg .overlap { fill: none; stroke: #d97706; stroke-width: 2; stroke-dasharray: 6 4; }
svg .node.critical rect { stroke: #0f172a; stroke-width: 2.5; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 6px; color: var(--muted); font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; background: var(--c); }
ul.diagnosis li { margin-bottom: 6px; }
ul.escapes { color: #92400e; overflow-wrap: anywhere; }
.unknown { color: #92400e; }
`;

/**
 * The report as one self-contained HTML file (pure): inline CSS and SVG only, no script, nothing
 * fetched from the network. Holds the timeline, the dependency graph, the worksheet and the diagnosis.
 */
export function renderHtml(report: Report): string {
  const title = report.run.run_id ? `Baton report — ${report.run.run_id}` : 'Baton report';
  const sections = [
    ...headSections(report, title),
    ...escapeSections(report),
    ...worksheetSections(report),
    ...featureSections(report),
    ...attemptSections(report),
    ...conflictSections(report),
    ...integrationSections(report),
    ...diagnosisSections(report),
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    ...sections,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

/** The title, the headline, the cards, the timeline and the dependency graph. */
function headSections(report: Report, title: string): string[] {
  const a = report.amdahl;
  const i = report.integration;
  const statuses = [...new Set(report.features.map((f) => f.status))];
  const legend = statuses.map((s) => `<span style="--c:${STATUS_COLORS[s]}">${escapeXml(s)}</span>`).join('');
  const graph = renderGraphSvg(report);
  const sections: string[] = [];
  sections.push(
    `<h1>${escapeXml(title)}</h1>`,
    `<p class="run">${prose(describeRun(report))}</p>`,
    `<p class="headline">${prose(report.headline.text)}</p>`,
  );
  sections.push(
    '<div class="cards">',
    card('Implementation speedup (measured)', formatSpeedup(report.headline.speedup)),
    card('Amdahl bound (whole method)', formatSpeedup(a.bound)),
    card('Merge conflicts', String(report.conflicts.count)),
    card('Integration ÷ execution', formatPercent(i.ratio)),
    ...(report.totals.cost_usd !== null ? [card('Agent cost', formatUsd(report.totals.cost_usd))] : []),
    ...(report.totals.best_of_n_extra_cost_usd !== null
      ? [card('Best-of-N extra cost', formatUsd(report.totals.best_of_n_extra_cost_usd))]
      : []),
    '</div>',
  );

  sections.push(
    '<h2>Timeline</h2>',
    `<div class="figure">${renderGanttSvg(report)}<div class="legend">${legend}</div></div>`,
  );
  if (graph) sections.push('<h2>Dependency graph</h2>', `<div class="figure">${graph}</div>`);
  return sections;
}

/** What agents changed outside their worktrees: Baton left it in the user's checkout. */
function escapeSections(report: Report): string[] {
  const { lines, note } = escapeItems(report);
  if (lines.length === 0) return [];
  return [
    `<h2>${escapeXml(ESCAPES_HEADING)}</h2>`,
    `<ul class="escapes">${lines.map((l) => `<li>${prose(l)}</li>`).join('\n')}</ul>`,
    `<p>${prose(note)}</p>`,
  ];
}

/** The time-tracking worksheet. */
function worksheetSections(report: Report): string[] {
  const ws = worksheetCells(report);
  const sections: string[] = [];
  sections.push(
    '<h2>Time-tracking worksheet</h2>',
    table(
      WORKSHEET_HEAD,
      [...ws.rows, ws.total].map((r) => worksheetRow(r).map(escapeXml)),
      {
        numeric: [1, 2, 3, 4, 5],
        lastBold: true,
      },
    ),
  );
  const bestOfN = describeBestOfNWork(report);
  if (bestOfN) sections.push(`<p>${prose(bestOfN)}</p>`);
  return sections;
}

/** A table of attempts per best-of-N feature, the decision and what the other attempts cost. */
function attemptSections(report: Report): string[] {
  const withAttempts = report.features.filter((f) => f.best_of_n !== null);
  if (withAttempts.length === 0) return [];
  const sections = ['<h2>Best-of-N attempts</h2>'];
  for (const f of withAttempts) {
    const b = f.best_of_n!;
    sections.push(
      `<h3><code>${escapeXml(f.feature_id)}</code></h3>`,
      table(
        ATTEMPT_HEAD,
        b.attempts.map((a) => attemptRow(a, b).map(escapeXml)),
        { numeric: ATTEMPT_NUMERIC },
      ),
      `<p>${prose(describeDecision(b))}</p>`,
      `<p>${prose(describeExtra(b))}</p>`,
    );
  }
  return sections;
}

/** One row per feature. */
function featureSections(report: Report): string[] {
  const sections: string[] = [];
  sections.push('<h2>Features</h2>');
  sections.push(
    report.features.length === 0
      ? '<p>No feature appears in this run.</p>'
      : table(
          FEATURE_HEAD,
          report.features.map((f) =>
            featureRow(featureCells(f)).map((s, i) =>
              i === 0 ? `<code>${escapeXml(s)}</code>` : escapeXml(s),
            ),
          ),
          { numeric: [3, 5, 6, 7, 8, 9] },
        ),
  );
  const unverified = unverifiedLines(report);
  if (unverified.length > 0) {
    sections.push(
      `<p>${escapeXml(UNVERIFIED_HEAD)}</p>`,
      '<ul>',
      ...unverified.map((u) => `<li><code>${escapeXml(u.feature_id)}</code>: ${escapeXml(u.why)}</li>`),
      '</ul>',
    );
  }
  return sections;
}

/** Merge conflicts against the potential integration points. */
function conflictSections(report: Report): string[] {
  const sections: string[] = [];
  const c = report.conflicts;
  const lacking = baseLacksCutLine(c.base_lacks_cut, (t) => `<code>${escapeXml(t)}</code>`);
  sections.push(
    '<h2>Merge conflicts</h2>',
    '<ul>',
    `<li>Conflicts: ${c.count}${c.files.length > 0 ? ` on ${c.files.map((f) => `<code>${escapeXml(f)}</code>`).join(', ')}` : ''}</li>`,
    ...(lacking ? [`<li>${lacking}</li>`] : []),
    `<li>Potential integration points N·(N−1)/2: ${c.potential_points}; pairs that really conflicted: ${c.conflicting_pairs}</li>`,
    ...(c.declared_points !== null
      ? [`<li>Declared dependencies between these features: ${c.declared_points}</li>`]
      : []),
    ...(c.predicted_overlaps && c.predicted_overlaps.length > 0
      ? [
          `<li>Overlaps the plan predicted: ${c.predicted_overlaps
            .map(
              (o) =>
                `<code>${escapeXml(o.a)}</code> × <code>${escapeXml(o.b)}</code> (<code>${escapeXml(o.pattern)}</code>)`,
            )
            .join(', ')}</li>`,
        ]
      : []),
    ...c.pairs.map((p) => {
      const files = p.files
        .map(
          (f) =>
            `<code>${escapeXml(f.file)}</code>${f.owners === null ? '' : ` (owned by ${f.owners.length > 0 ? f.owners.map(escapeXml).join(', ') : 'no contract'})`}`,
        )
        .join(', ');
      const other = p.with === null ? BASE_SIDE : `<code>${escapeXml(p.with)}</code>`;
      return `<li class="conflict" data-feature="${escapeXml(p.feature_id)}"><code>${escapeXml(p.feature_id)}</code> × ${other}: ${files}</li>`;
    }),
    '</ul>',
  );

  return sections;
}

/** Integration ÷ execution, the delivered attempts' merges, Amdahl and the critical paths. */
function integrationSections(report: Report): string[] {
  const a = report.amdahl;
  const i = report.integration;
  const sections: string[] = [];
  sections.push(
    '<h2>Integration and Amdahl</h2>',
    table(
      ['Integration', 'Execution', 'Integration ÷ execution', 'Verdict'],
      [
        [
          formatMinutes(i.duration_min),
          formatMinutes(i.execution_min),
          formatPercent(i.ratio),
          i.verdict,
        ].map(escapeXml),
      ],
      { numeric: [0, 1, 2] },
    ),
    `<p>${prose(i.verdict_text)}</p>`,
    ...(i.ran ? [`<p>${prose(describeMerges(report))}</p>`] : []),
    table(
      ['N', 'Serial phases', 'Parallelisable work', 'Serial fraction s', 'Bound', 'Achieved'],
      [amdahlRow(a).map(escapeXml)],
      { numeric: [0, 1, 2, 3, 4, 5] },
    ),
    ...describeCriticalPaths(report).map((line) => `<p>${prose(line)}</p>`),
  );

  return sections;
}

/** The diagnosis and what could not be measured. */
function diagnosisSections(report: Report): string[] {
  const sections: string[] = [];
  sections.push(
    '<h2>Diagnosis</h2>',
    report.diagnosis.length === 0
      ? '<p>Nothing to diagnose yet.</p>'
      : `<ul class="diagnosis">${report.diagnosis.map((d) => `<li>${prose(d)}</li>`).join('\n')}</ul>`,
  );
  if (report.unknowns.length > 0) {
    sections.push(
      '<h2>Unknown</h2>',
      `<ul class="unknown">${report.unknowns.map((u) => `<li>${prose(u)}</li>`).join('\n')}</ul>`,
    );
  }

  return sections;
}

function card(key: string, value: string): string {
  return `<div class="card"><div class="v">${escapeXml(value)}</div><div class="k">${escapeXml(key)}</div></div>`;
}
