import type { FeatureStatus } from '../log/events.js';
import { formatMinutes } from '../metrics/format.js';
import type { Report } from '../metrics/types.js';
import { escapeControl } from '../text/escape.js';

/** Escapes text for HTML and SVG content and attributes. */
export function escapeXml(s: string): string {
  // Control characters from the log are shown as `\x1b`, never written raw into the page.
  return escapeControl(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Fill colour of each final status, shared by the timeline and the graph. */
export const STATUS_COLORS: Record<FeatureStatus, string> = {
  pending: '#cbd5e1',
  running: '#60a5fa',
  'needs-input': '#facc15',
  verifying: '#93c5fd',
  complete: '#22c55e',
  empty: '#a3a3a3',
  failed: '#ef4444',
  'failed-checks': '#f97316',
  timeout: '#a855f7',
  interrupted: '#78716c',
  collision: '#fb923c',
};

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function niceStep(span: number): number {
  const target = span / 6;
  const pow = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 5, 10]) if (m * pow >= target) return m * pow;
  return 10 * pow;
}

/**
 * The Gantt timeline as inline SVG (pure): one `rect.bar[data-feature]` per feature that started,
 * coloured by final status; a feature with no recorded end is drawn to the end of the timeline,
 * dashed, and says so in its tooltip.
 */
export function renderGanttSvg(report: Report, options: { width?: number } = {}): string {
  const width = options.width ?? 960;
  const labelW = 230;
  const rowH = 30;
  const top = 28;
  const features = report.features;
  const phases = report.timeline.phases;
  const phaseRows = [...new Set(phases.map((p) => p.phase))];
  const height = top + (Math.max(1, features.length) + phaseRows.length) * rowH + 12;
  const span = Math.max(report.timeline.end_min ?? 0, ...features.map((f) => f.end_min ?? 0), 1e-6);
  const chartW = width - labelW - 20;
  const x = (min: number) => labelW + (Math.max(0, min) / span) * chartW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Timeline of the features">`,
  ];
  const step = niceStep(span);
  for (let t = 0; t <= span + 1e-9; t += step) {
    parts.push(
      `<line class="tick" x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${height - 8}"/>`,
      `<text class="tick-label" x="${x(t).toFixed(1)}" y="${top - 10}" text-anchor="middle">${t === 0 ? '0' : escapeXml(formatMinutes(t))}</text>`,
    );
  }
  if (features.length === 0) {
    parts.push(`<text class="empty" x="${labelW}" y="${top + 20}">No feature started in this run.</text>`);
  }
  features.forEach((f, row) => {
    const y = top + row * rowH;
    parts.push(
      `<text class="label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeXml(clip(f.feature_id, 30))}<title>${escapeXml(f.feature_id)}</title></text>`,
    );
    if (f.start_min === null) {
      parts.push(`<text class="not-started" x="${labelW + 4}" y="${y + rowH / 2 + 4}">not started</text>`);
      return;
    }
    const open = f.end_min === null;
    const end = open ? span : (f.end_min ?? span);
    const x0 = x(f.start_min);
    const w = Math.max(2, x(end) - x0);
    const tip = `${f.feature_id}: ${f.status}, ${open ? 'no end recorded' : formatMinutes(f.duration_min)}`;
    parts.push(
      `<rect class="bar${open ? ' open' : ''}" data-feature="${escapeXml(f.feature_id)}" data-status="${f.status}" ` +
        `x="${x0.toFixed(1)}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 10}" rx="3" ` +
        `fill="${STATUS_COLORS[f.status]}"><title>${escapeXml(tip)}</title></rect>`,
    );
  });
  // Serial phases get rows of their own below the features, drawn as `rect.phase` (never `.bar`).
  phaseRows.forEach((name, i) => {
    const y = top + (Math.max(1, features.length) + i) * rowH;
    const first = phases.find((q) => q.phase === name);
    const label = first?.label;
    const note = first?.note ? ` — ${first.note}` : '';
    parts.push(
      `<text class="label phase-label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeXml(clip(label ?? name, 30))}${label ? `<title>${escapeXml(label + note)}</title>` : ''}</text>`,
    );
    for (const p of phases.filter((q) => q.phase === name)) {
      const open = p.end_min === null;
      const x0 = x(p.start_min);
      const w = Math.max(2, x(p.end_min ?? span) - x0);
      const tip = `${label ?? name}: ${open ? 'no end recorded' : formatMinutes((p.end_min ?? 0) - p.start_min)}${note}`;
      parts.push(
        `<rect class="phase${open ? ' open' : ''}" data-phase="${escapeXml(name)}" x="${x0.toFixed(1)}" y="${y + 8}" ` +
          `width="${w.toFixed(1)}" height="${rowH - 16}" rx="2"><title>${escapeXml(tip)}</title></rect>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The dependency graph as inline SVG (pure), laid out in columns by wave; the critical path is
 * outlined. Empty string when the report has no plan.
 */
export function renderGraphSvg(report: Report): string {
  const graph = report.graph;
  if (!graph || graph.waves.length === 0) return '';
  const nodeW = 190;
  const nodeH = 36;
  const colGap = 70;
  const rowGap = 18;
  const pad = 16;
  const tallest = Math.max(...graph.waves.map((w) => w.length));
  const width = pad * 2 + graph.waves.length * nodeW + (graph.waves.length - 1) * colGap;
  const height = pad * 2 + tallest * nodeH + (tallest - 1) * rowGap;
  const pos = new Map<string, { x: number; y: number }>();
  graph.waves.forEach((wave, col) => {
    const colH = wave.length * nodeH + (wave.length - 1) * rowGap;
    const y0 = pad + (height - pad * 2 - colH) / 2;
    wave.forEach((id, row) => {
      pos.set(id, { x: pad + col * (nodeW + colGap), y: y0 + row * (nodeH + rowGap) });
    });
  });
  const status = new Map(report.features.map((f) => [f.feature_id, f.status]));
  const critical = new Set(graph.critical);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Dependency graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b"/></marker></defs>',
  ];
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + nodeW;
    const y1 = a.y + nodeH / 2;
    const x2 = b.x;
    const y2 = b.y + nodeH / 2;
    const mid = (x1 + x2) / 2;
    const onPath = critical.has(e.from) && critical.has(e.to);
    parts.push(
      `<path class="edge${onPath ? ' critical' : ''}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}" ` +
        `d="M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}" marker-end="url(#arrow)"/>`,
    );
  }
  // Owned paths two features share without depending on each other, dashed, as `plan --format mermaid` draws them.
  for (const o of report.conflicts.predicted_overlaps ?? []) {
    const a = pos.get(o.a);
    const b = pos.get(o.b);
    if (!a || !b) continue;
    const [x1, y1, x2, y2] =
      a.x === b.x
        ? [a.x + nodeW - 12, a.y + nodeH / 2, b.x + nodeW - 12, b.y + nodeH / 2]
        : [a.x + nodeW / 2, a.y + nodeH / 2, b.x + nodeW / 2, b.y + nodeH / 2];
    const bend = a.x === b.x ? 40 : 0;
    parts.push(
      `<path class="overlap" data-a="${escapeXml(o.a)}" data-b="${escapeXml(o.b)}" ` +
        `d="M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 + bend} ${y2}, ${x2} ${y2}">` +
        `<title>${escapeXml(`overlap: ${o.a} and ${o.b} both own ${o.pattern}`)}</title></path>`,
    );
  }
  for (const [id, p] of pos) {
    const s = status.get(id) ?? 'pending';
    parts.push(
      `<g class="node${critical.has(id) ? ' critical' : ''}" data-feature="${escapeXml(id)}">` +
        `<rect x="${p.x}" y="${p.y}" width="${nodeW}" height="${nodeH}" rx="6" fill="${STATUS_COLORS[s]}"/>` +
        `<text x="${p.x + nodeW / 2}" y="${p.y + nodeH / 2 + 4}" text-anchor="middle">${escapeXml(clip(id, 26))}</text>` +
        `<title>${escapeXml(`${id}: ${s}`)}</title></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
