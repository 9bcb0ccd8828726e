// The dependency graph, layered by waves: wave k holds the features whose dependencies all sit in
// earlier waves. Nodes are coloured by status; edges on the critical path are drawn heavier. Two
// independent features whose owned paths overlap (the plan's predicted hotspots) are linked by a
// dashed arc on the right of their nodes, titled with the path both own.
import { columnOf } from './board.js';
import { h, svg } from './dom.js';

const NODE_W = 190;
const NODE_H = 30;
const GAP_X = 70;
const GAP_Y = 12;
const PAD = 16;

/** Draws the graph into `container`; `onSelect(id)` opens a feature's detail. */
export function renderGraph(container, model, onSelect) {
  const project = model.project;
  if (!project) {
    container.replaceChildren(
      h(
        'p',
        { class: 'empty' },
        'No valid plan: the graph appears once `baton lint` passes (see the banner).',
      ),
    );
    return;
  }
  if (project.features.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'No contracts under specs/ yet.'));
    return;
  }
  const position = new Map();
  const parents = new Map(project.features.map((f) => [f.id, f.depends_on]));
  project.waves.forEach((wave, w) => {
    // Order each wave by where its parents sit (barycentre), which keeps most edges from crossing.
    const ordered = [...wave].sort((a, b) => barycentre(a) - barycentre(b) || a.localeCompare(b));
    ordered.forEach((id, i) => {
      position.set(id, { x: PAD + w * (NODE_W + GAP_X), y: PAD + i * (NODE_H + GAP_Y), row: i });
    });
  });
  function barycentre(id) {
    const ys = (parents.get(id) ?? []).map((p) => position.get(p)?.row).filter((r) => r !== undefined);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Number.MAX_SAFE_INTEGER / 2;
  }
  const tallest = Math.max(...project.waves.map((w) => w.length));
  const overlaps = (project.overlaps ?? []).filter((o) => position.has(o.a) && position.has(o.b));
  // Room on the right for the last wave's overlap arcs.
  const width =
    PAD * 2 +
    project.waves.length * NODE_W +
    (project.waves.length - 1) * GAP_X +
    (overlaps.length > 0 ? GAP_X / 2 : 0);
  const height = PAD * 2 + tallest * (NODE_H + GAP_Y) - GAP_Y;
  const critical = new Set();
  for (let i = 1; i < project.critical_path.length; i++) {
    critical.add(`${project.critical_path[i - 1]}→${project.critical_path[i]}`);
  }

  const edges = project.edges
    .filter((e) => position.has(e.from) && position.has(e.to))
    .map((e) => {
      const a = position.get(e.from);
      const b = position.get(e.to);
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x;
      const y2 = b.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      return svg('path', {
        class: `edge${critical.has(`${e.from}→${e.to}`) ? ' critical' : ''}`,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      });
    });
  const overlapArcs = overlaps.map((o) => {
    const [a, b] = [position.get(o.a), position.get(o.b)].sort((p, q) => p.x - q.x || p.y - q.y);
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x + NODE_W;
    const y2 = b.y + NODE_H / 2;
    // Out to the right of both nodes and back: the arc never crosses a node of the later wave.
    const out = Math.max(x1, x2) + GAP_X / 2 - 4;
    return svg(
      'path',
      {
        class: 'edge overlap',
        'data-a': o.a,
        'data-b': o.b,
        d: `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2},${y2}`,
      },
      svg('title', {}, `${o.a} and ${o.b} both own ${o.pattern} (a predicted merge hotspot)`),
    );
  });
  const nodes = project.features
    .filter((f) => position.has(f.id))
    .map((f) => {
      const p = position.get(f.id);
      const state = model.features.get(f.id);
      const status = state?.status ?? 'pending';
      return svg(
        'g',
        {
          class: `node col-${columnOf(model, status)}`,
          'data-feature': f.id,
          transform: `translate(${p.x},${p.y})`,
          onclick: () => onSelect(f.id),
        },
        svg('title', {}, `${f.id}${f.title && f.title !== f.id ? ` — ${f.title}` : ''}: ${status}`),
        svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
        svg('text', { x: 10, y: NODE_H / 2 + 4 }, clip(f.id, 26)),
      );
    });
  container.replaceChildren(
    svg(
      'svg',
      {
        class: 'dag',
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': `Dependency graph: ${project.features.length} features in ${project.waves.length} waves`,
      },
      ...edges,
      ...overlapArcs,
      ...nodes,
    ),
  );
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
