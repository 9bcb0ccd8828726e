// The timeline (a Gantt chart): one bar per feature from its start to its end (or now while it runs),
// plus the integration, on a shared time axis that starts with the run.
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
  const rows = [...model.features.values()]
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
  const integration = model.run.integration ?? {};
  if (integration.started_at) {
    const start = Date.parse(integration.started_at);
    const end = integration.ended_at ? Date.parse(integration.ended_at) : now;
    rows.push({
      id: 'integration',
      status: integration.outcome ?? 'running',
      start,
      end,
      live: !integration.ended_at,
    });
  }
  if (rows.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'Nothing has started yet.'));
    return;
  }
  const runStart = model.run.run_started_at ? Date.parse(model.run.run_started_at) : Number.POSITIVE_INFINITY;
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
  const bars = rows.map((r, i) => {
    const y = AXIS + i * ROW;
    const column = r.id === 'integration' ? integrationClass(r.status) : columnOf(model, r.status);
    const duration = r.unknownEnd ? 'end unknown' : formatDuration(r.end - r.start);
    return svg(
      'g',
      {
        class: `row${r.id === 'integration' ? '' : ' selectable'}`,
        'data-feature': r.id,
        onclick: r.id === 'integration' ? undefined : () => onSelect(r.id),
      },
      svg('title', {}, `${r.id}: ${r.status}, ${duration}${r.live ? ' so far' : ''}`),
      svg(
        'text',
        { class: 'row-label', x: LABEL - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end' },
        clip(r.id, 30),
      ),
      svg('rect', {
        class: `bar col-${column}${r.live ? ' live' : ''}`,
        x: x(r.start),
        y: y + 3,
        width: Math.max(2, x(r.end) - x(r.start)),
        height: ROW - 6,
        rx: 3,
      }),
    );
  });
  const nowLine =
    model.run.run_ended_at || !rows.some((r) => r.live)
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
