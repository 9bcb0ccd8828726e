// The dashboard page. It subscribes to /api/events: the first message is a snapshot of the folded
// state and the plan, later ones carry the current state of the features that changed. The server
// does the folding; the page only draws. While the tab is hidden it holds no stream (see `follow`).
import { createBoard, isLive } from './board.js';
import { createDetail } from './detail.js';
import { h, shown } from './dom.js';
import { eventLine, formatClock, formatDuration, formatFactor, formatPercent } from './format.js';
import { renderGraph } from './graph.js';
import { renderTimeline } from './timeline.js';

const KEEP_EVENTS = 50;

const model = {
  columns: {},
  project: null,
  projectById: new Map(),
  ranks: new Map(),
  run: { integration: { merges: [] } },
  features: new Map(),
  events: [],
  metrics: null,
  diagnostics: [],
  /** The banner's lines for the log's bad lines, as `baton status` prints them (the server's `problem_lines`). */
  problemLines: [],
  logPath: '',
  /** Sequence number of the last event the page has: an event at or before it is never shown twice. */
  seq: 0,
  clockOffset: 0,
  /** Now on the server's clock, so elapsed times do not depend on this machine's. */
  now() {
    return Date.now() + this.clockOffset;
  },
  /** Plan order of a feature (dependencies first); features outside the plan come last. */
  rank(id) {
    return this.ranks.get(id) ?? this.ranks.size + 1;
  },
};

const $ = (id) => document.getElementById(id);
const select = (id) => detail.open(id);
const board = createBoard($('board'), { onSelect: select });
const detail = createDetail($('detail'), model);

function applySnapshot(s) {
  model.columns = s.columns;
  model.project = s.project;
  model.projectById = new Map((s.project?.features ?? []).map((f) => [f.id, f]));
  model.ranks = new Map((s.project?.features ?? []).map((f, i) => [f.id, i]));
  model.run = s.run;
  model.features = new Map(s.features.map((f) => [f.feature_id, f]));
  model.events = s.events.slice(-KEEP_EVENTS);
  model.metrics = s.metrics;
  model.diagnostics = s.diagnostics;
  model.problemLines = s.problem_lines;
  model.logPath = s.log_path;
  model.clockOffset = Date.parse(s.server_time) - Date.now();
  board.reset(model);
  renderBanner();
  renderEscapes();
  renderEvents(true);
  renderHeader();
  drawCharts(true);
  if (detail.current) detail.changed([detail.current]);
  model.seq = s.seq;
  document.body.dataset.ready = 'true';
  document.body.dataset.seq = String(s.seq);
}

function applyUpdate(u) {
  model.clockOffset = Date.parse(u.server_time) - Date.now();
  if (u.run) {
    model.run = u.run;
    renderEscapes();
  }
  for (const f of u.features) model.features.set(f.feature_id, f);
  model.metrics = u.metrics;
  const fresh = u.events.filter((e) => e.seq > model.seq);
  model.events = [...model.events, ...fresh].slice(-KEEP_EVENTS);
  const ids = u.features.map((f) => f.feature_id);
  board.update(model, ids);
  detail.changed(ids);
  renderEvents(false, fresh);
  renderHeader();
  drawCharts(false);
  model.seq = Math.max(model.seq, u.seq);
  document.body.dataset.seq = String(model.seq);
}

// The charts redraw whole; under a burst of updates they are redrawn at most twice a second.
let chartTimer;
let chartsDrawnAt = 0;
function drawCharts(now) {
  clearTimeout(chartTimer);
  const wait = now ? 0 : Math.max(0, 500 - (Date.now() - chartsDrawnAt));
  chartTimer = setTimeout(() => {
    chartsDrawnAt = Date.now();
    renderTimeline($('timeline'), model, select);
    renderGraph($('graph'), model, select);
    performance.mark('baton:charts-drawn');
  }, wait);
}

function renderHeader() {
  const run = model.run;
  const m = model.metrics;
  // A resumed run is one run, as the report and the Speedup tile take it: its first id and start (the
  // server sends `run_chain` only when the log's last run is one of its parts).
  const chain = m?.run_chain;
  if (run.run_id) {
    const state = run.run_outcome ? run.run_outcome : 'running';
    const id = chain ? `${chain.run_id} (resumed as ${chain.resumed_by.join(', ')})` : run.run_id;
    $('run-info').textContent = shown(
      `run ${id} · ${state} · started ${formatClock(chain?.started_at ?? run.run_started_at)}` +
        (run.concurrency ? ` · ${run.concurrency} at once` : ''),
    );
  } else {
    $('run-info').textContent = shown(`no run in ${model.logPath} yet`);
  }
  if (!m) return;
  // The run's wall-clock as the server tells it (`withRunTime`): fixed, or ticking from `since`; `—` when unknown.
  const e = m.elapsed;
  const elapsed =
    e === undefined ? undefined : e.since === undefined ? e.ms : e.ms + model.now() - Date.parse(e.since);
  const items = [
    ['Complete', `${m.by_column.complete}/${m.features}`, 'features complete of all features'],
    ['Running', String(m.by_column.running), 'features whose agent is working or whose checks run'],
    ['Needs input', String(m.by_column['needs-input']), 'features waiting for a person'],
    ['Failed', String(m.by_column.failed), 'failed, failed checks, timed out, interrupted or empty'],
    ['Elapsed', formatDuration(elapsed), 'wall-clock time of the run'],
    [
      m.speedup_scope === 'implementation' ? 'Speedup (impl.)' : 'Speedup',
      formatFactor(m.speedup),
      m.speedup === undefined
        ? 'against doing the same work one after another; baton report computes it once the run has ended'
        : (m.headline_text ?? 'the implementation, measured, as baton report computes it'),
    ],
    m.amdahl_bound !== undefined
      ? ['Amdahl bound', formatFactor(m.amdahl_bound), 'the best speedup this run allows: 1 ÷ (s + (1−s)/N)']
      : [
          'Amdahl bound',
          formatFactor(model.project?.max_speedup),
          'sum of estimates ÷ critical path: the best this decomposition allows',
        ],
    ['Conflicts', String(m.conflicts), 'merge conflicts between features during integration'],
    ...(m.conflicts_base_lacks_cut === undefined
      ? []
      : [
          [
            'Base lacks cut',
            String(m.conflicts_base_lacks_cut),
            'conflicts from a base lacking the commit the features were cut from (integrate --base): not counted as conflicts between features',
          ],
        ]),
    [
      'Integration',
      formatPercent(m.integration_ratio),
      m.integration_verdict ?? 'integration time as a share of execution (healthy: 15–20 %)',
    ],
  ];
  $('metrics').replaceChildren(
    ...items.map(([k, v, why]) => h('div', { class: 'metric', title: why }, h('dt', {}, k), h('dd', {}, v))),
  );
}

function renderEvents(full, fresh = []) {
  const list = $('events');
  const item = (sent) =>
    h(
      'li',
      {},
      h('time', { datetime: sent.event.ts ?? '' }, formatClock(sent.event.ts)),
      ' ',
      sent.event.feature_id ? h('code', {}, sent.event.feature_id) : '',
      sent.event.feature_id ? ' ' : '',
      eventLine(sent),
    );
  if (full) list.replaceChildren(...model.events.map(item).reverse());
  else for (const e of fresh) list.prepend(item(e));
  while (list.children.length > KEEP_EVENTS) list.lastElementChild.remove();
}

function renderBanner() {
  const lines = [
    ...model.diagnostics,
    // The first bad lines with their text (escaped), how many more, and a log that cannot be read at
    // all: the server's words, those `baton status` prints.
    ...model.problemLines,
  ];
  const banner = $('banner');
  banner.hidden = lines.length === 0;
  banner.replaceChildren(...lines.map((l) => h('pre', {}, l)));
}

// What agents changed outside their worktrees (the main checkout, the git config, refs), in the
// server's words: Baton leaves it in the user's checkout, so it stays on screen.
function renderEscapes() {
  const lines = model.run.escapes ?? [];
  $('escapes').hidden = lines.length === 0;
  $('escapes-list').replaceChildren(...lines.map((l) => h('li', {}, l)));
}

// The open stream, while the tab is shown, and the id of the last message applied, to resume from.
let source;
let lastEventId;

function connect() {
  performance.mark('baton:connect');
  const status = $('connection');
  // Back from hidden: the server sends what changed since the last message (or the board, when it cannot).
  const url =
    lastEventId === undefined ? 'api/events' : `api/events?last_event_id=${encodeURIComponent(lastEventId)}`;
  source = new EventSource(url);
  source.addEventListener('open', () => {
    status.textContent = 'live';
    status.dataset.state = 'live';
  });
  source.addEventListener('error', (ev) => {
    // EventSource reconnects by itself after a dropped connection, sending the id of its last message:
    // the server resumes from it, or sends the board again. A refused one (401: the session is gone;
    // 404: the dashboard restarted under a new path) stops it for good: say so, instead of
    // "reconnecting…" forever.
    if (ev.target.readyState === EventSource.CLOSED) {
      status.textContent = 'connection closed: open the URL `baton dashboard` printed again';
      status.dataset.state = 'closed';
      return;
    }
    status.textContent = 'reconnecting…';
    status.dataset.state = 'down';
  });
  source.addEventListener('snapshot', (ev) => {
    performance.mark('baton:snapshot-received');
    applySnapshot(JSON.parse(ev.data));
    lastEventId = ev.lastEventId;
    performance.mark('baton:snapshot-drawn');
  });
  source.addEventListener('update', (ev) => {
    applyUpdate(JSON.parse(ev.data));
    lastEventId = ev.lastEventId;
  });
}

/**
 * Holds a stream only while the tab is shown. A browser allows six connections to one host: with a
 * stream held by every tab, a seventh dashboard tab would never load. Hidden, the tab closes its stream;
 * shown again, it resumes from the last message it had.
 */
function follow() {
  if (!document.hidden) {
    if (!source) connect();
    return;
  }
  if (!source) return;
  source.close();
  source = undefined;
  const status = $('connection');
  status.textContent = 'paused while the tab is hidden';
  status.dataset.state = 'paused';
}

setInterval(() => {
  if (!model.metrics) return;
  board.tick(model);
  const running = [...model.features.values()].some((f) => isLive(f.status));
  if (running || (model.run.run_started_at && !model.run.run_ended_at)) {
    renderHeader();
    if (running) drawCharts(false);
  }
}, 1000);

document.addEventListener('visibilitychange', follow);
follow();
