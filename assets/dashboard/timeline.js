// The timeline (a Gantt chart): one bar per feature from its start to its end (or now while it runs),
// plus the integration, on a shared time axis that starts with the run. Which run, which features and
// which integration spans are the report's (`metrics.timeline`, from the server), so it draws what
// `baton report` draws: the reported run only, and integration as the spans `baton integrate` ran.
import { columnOf, endOf, isLive } from './board.js';
import { h, svg } from './dom.js';
import { formatDuration } from './format.js';
import { tickStep } from './ticks.js';

const ROW = 20;
const LABEL = 210;
const AXIS = 24;

/** Draws the timeline into `container`; `onSelect(id)` opens a feature's detail. */
export function renderTimeline(container, model, onSelect) {
  const now = model.now();
  // Until the report is computed: every feature that started, and no integration spans yet.
  const timeline = model.metrics?.timeline;
  const features = timeline
    ? timeline.feature_ids.map((id) => model.features.get(id)).filter((f) => f !== undefined)
    : [...model.features.values()];
  const rows = features
    .filter((f) => f.started_at)
    .map((f) => {
      const start = Date.parse(f.started_at);
      const live = !f.ended_at && isLive(f.status);
      // An end nobody recorded (its run's orchestrator died) is unknown: a stub at its start, not a bar to now.
      const known = endOf(model, f);
      const end = known ?? (live ? now : start);
      return {
        id: f.feature_id,
        status: f.status,
        start,
        end,
        live,
        unknownEnd: known === undefined && !live,
      };
    })
    .sort((a, b) => a.start - b.start || model.rank(a.id) - model.rank(b.id));
  // One row, a bar per span `baton integrate` ran: the time a conflict waited for a person is no bar.
  const spans = (timeline?.integration ?? []).map((span) => ({
    start: Date.parse(span.start),
    end: span.end ? Date.parse(span.end) : now,
    live: !span.end,
  }));
  const outcome = model.run.integration?.outcome;
  if (spans.length > 0) {
    rows.push({ id: 'integration', spans, start: spans[0].start, end: Math.max(...spans.map((p) => p.end)) });
  }
  if (rows.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'Nothing has started yet.'));
    return;
  }
  const origin = timeline ? timeline.origin : model.run.run_started_at;
  const runStart = origin ? Date.parse(origin) : Number.POSITIVE_INFINITY;
  const t0 = Math.min(runStart, ...rows.map((r) => r.start));
  const t1 = Math.max(t0 + 1000, ...rows.map((r) => r.end));
  const width = Math.max(container.clientWidth - 2, 520);
  const plot = width - LABEL - 12;
  const height = AXIS + rows.length * ROW + 4;
  const x = (t) => LABEL + ((t - t0) / (t1 - t0)) * plot;
  const step = tickStep(t1 - t0);

  const axis = [];
  for (let t = 0; t0 + t <= t1; t += step) {
    axis.push(svg('line', { class: 'tick', x1: x(t0 + t), x2: x(t0 + t), y1: AXIS - 4, y2: height }));
    // A label too close to the right edge would be cut off.
    if (x(t0 + t) < width - 60) {
      axis.push(svg('text', { class: 'tick-label', x: x(t0 + t) + 3, y: AXIS - 8 }, `+${formatDuration(t)}`));
    }
  }
  const bar = (y, column, p) =>
    svg('rect', {
      class: `bar col-${column}${p.live ? ' live' : ''}`,
      x: x(p.start),
      y: y + 3,
      width: Math.max(2, x(p.end) - x(p.start)),
      height: ROW - 6,
      rx: 3,
    });
  const tip = (r, status) =>
    `${r.id}: ${status}, ${r.unknownEnd ? 'end unknown' : formatDuration(r.end - r.start)}${r.live ? ' so far' : ''}`;
  const bars = rows.map((r, i) => {
    const y = AXIS + i * ROW;
    const label = svg(
      'text',
      { class: 'row-label', x: LABEL - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end' },
      clip(r.id, 30),
    );
    if (r.spans) {
      return svg(
        'g',
        { class: 'row', 'data-feature': r.id },
        label,
        ...r.spans.map((p, k) => {
          const status = p.live ? 'running' : (outcome ?? 'running');
          // The outcome is the last span's: an earlier one stopped (at a conflict) and was gone on with.
          const last = k === r.spans.length - 1;
          return svg(
            'g',
            { class: 'span' },
            svg(
              'title',
              {},
              last ? tip({ id: r.id, ...p }, status) : `${r.id}: ${formatDuration(p.end - p.start)}`,
            ),
            bar(y, integrationClass(status), p),
          );
        }),
      );
    }
    return svg(
      'g',
      { class: 'row selectable', 'data-feature': r.id, onclick: () => onSelect(r.id) },
      svg('title', {}, tip(r, r.status)),
      label,
      bar(y, columnOf(model, r.status), r),
    );
  });
  const nowLine =
    model.run.run_ended_at || !rows.some((r) => r.live || r.spans?.some((p) => p.live))
      ? []
      : [svg('line', { class: 'now', x1: x(now), x2: x(now), y1: AXIS - 4, y2: height })];
  container.replaceChildren(
    svg(
      'svg',
      {
        class: 'gantt',
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': `Timeline of ${rows.length} bars`,
      },
      ...axis,
      ...bars,
      ...nowLine,
    ),
  );
}

function integrationClass(outcome) {
  if (outcome === 'running') return 'running';
  return outcome === 'clean' ? 'complete' : 'failed';
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
