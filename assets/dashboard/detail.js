// The detail panel: a feature's state, checks, contract, events and the tail of its agent log,
// fetched from /api/features/:id when opened and again (at most once a second) while it changes.
import { elapsedText } from './board.js';
import { h, shown } from './dom.js';
import { eventLine, formatClock, formatDuration } from './format.js';

/** Creates the panel over `aside`; returns open/close and a hook for changes. */
export function createDetail(aside, model) {
  const title = aside.querySelector('#detail-title');
  const body = aside.querySelector('#detail-body');
  let current;
  let inflight = false;
  let again = false;
  let lastFetch = 0;
  let timer;

  aside.querySelector('#detail-close').addEventListener('click', close);
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && current) close();
  });

  function open(id) {
    current = id;
    aside.hidden = false;
    aside.dataset.feature = id;
    title.textContent = shown(id);
    body.replaceChildren(h('p', { class: 'empty' }, 'loading…'));
    load();
  }

  function close() {
    current = undefined;
    aside.hidden = true;
    delete aside.dataset.feature;
    clearTimeout(timer);
  }

  /** Called with the ids an update touched: refreshes the panel when its feature is among them. */
  function changed(ids) {
    if (!current || !ids.includes(current)) return;
    const wait = Math.max(0, 1000 - (Date.now() - lastFetch));
    clearTimeout(timer);
    timer = setTimeout(load, wait);
  }

  async function load() {
    if (inflight) {
      again = true;
      return;
    }
    const id = current;
    if (!id) return;
    inflight = true;
    lastFetch = Date.now();
    try {
      const res = await fetch(`api/features/${encodeURIComponent(id)}`, { cache: 'no-store' });
      const data = await res.json();
      if (id !== current) return;
      if (!res.ok) body.replaceChildren(h('p', { class: 'empty' }, data.error ?? `HTTP ${res.status}`));
      else render(data);
    } catch (err) {
      if (id === current) body.replaceChildren(h('p', { class: 'empty' }, `Could not load: ${err}`));
    } finally {
      inflight = false;
      if (again) {
        again = false;
        load();
      }
    }
  }

  function render(detail) {
    const f = detail.feature;
    const contract = model.projectById.get(f.feature_id);
    title.textContent = shown(
      contract?.title && contract.title !== f.feature_id
        ? `${f.feature_id} — ${contract.title}`
        : f.feature_id,
    );
    const facts = [
      // Why it is unverified comes from the server, in `baton status`'s words (never worded here).
      ['status', f.unverified ? `${f.status} (unverified: ${f.unverified_reason})` : f.status],
      ['agent', f.agent],
      ['attempt', f.attempt],
      ['branch', f.branch],
      ['worktree', f.worktree],
      ['started', f.started_at && `${formatClock(f.started_at)}`],
      ['elapsed', f.started_at && elapsedText(model, f)],
      ['exit', f.exit_code !== undefined && f.exit_code !== null ? `code ${f.exit_code}` : f.signal],
      ['reason', f.reason],
      ['files changed', f.files?.length ? String(f.files.length) : undefined],
      ['cost', f.usage?.cost_usd !== undefined ? `$${f.usage.cost_usd.toFixed(2)}` : undefined],
      ['escaped', f.escaped?.length ? f.escaped.join(', ') : undefined],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    const checks = [...Object.values(f.checks ?? {}), ...Object.values(f.integration_checks ?? {})];
    const attempts = detail.attempts ?? [];
    // Attempts side by side need room: the panel widens for a best-of-N feature.
    aside.classList.toggle('wide', attempts.length > 1);
    body.replaceChildren(
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
      attempts.length === 0 ? '' : renderAttempts(f, attempts),
      h(
        'section',
        {},
        h('h3', {}, 'Checks'),
        checks.length === 0
          ? h('p', { class: 'empty' }, 'No checks recorded yet.')
          : h(
              'table',
              { class: 'checks-table' },
              h(
                'thead',
                {},
                h('tr', {}, h('th', {}, 'criterion'), h('th', {}, 'outcome'), h('th', {}, 'message')),
              ),
              h(
                'tbody',
                {},
                ...checks.map((c) =>
                  h(
                    'tr',
                    { 'data-outcome': c.outcome },
                    h(
                      'td',
                      {},
                      h('code', {}, c.criterion_id),
                      c.on === 'integration' ? ' (integration)' : '',
                    ),
                    h('td', {}, c.outcome),
                    h('td', {}, c.message),
                  ),
                ),
              ),
            ),
      ),
      h(
        'section',
        {},
        h('h3', {}, 'Events'),
        detail.events.length === 0
          ? h('p', { class: 'empty' }, 'No events yet.')
          : h(
              'ol',
              { class: 'feature-events' },
              ...detail.events.map((sent) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: sent.event.ts ?? '' }, formatClock(sent.event.ts)),
                  ' ',
                  eventLine(sent),
                ),
              ),
            ),
      ),
      h(
        'section',
        {},
        h('h3', {}, 'Agent log', detail.agent_log ? h('small', {}, ` ${detail.agent_log.file}`) : ''),
        !detail.agent_log
          ? h('p', { class: 'empty' }, 'No agent log recorded for this feature yet.')
          : detail.agent_log.missing
            ? h('p', { class: 'empty' }, 'The agent log file is not there (not written yet, or removed).')
            : h(
                'pre',
                { class: 'log' },
                detail.agent_log.truncated ? '…\n' : '',
                detail.agent_log.lines.join('\n'),
              ),
      ),
      h(
        'section',
        {},
        h('h3', {}, 'Contract', detail.contract ? h('small', {}, ` ${detail.contract.file}`) : ''),
        detail.contract
          ? h('pre', { class: 'contract' }, detail.contract.text, detail.contract.truncated ? '\n…' : '')
          : h('p', { class: 'empty' }, 'No readable contract for this feature in the plan.'),
      ),
    );
    const log = body.querySelector('pre.log');
    if (log) log.scrollTop = log.scrollHeight;
  }

  return {
    open,
    close,
    changed,
    get current() {
      return current;
    },
  };
}

/** Best-of-N: one column per attempt, side by side, each with its figures, why it won or ended, and its diff. */
function renderAttempts(f, attempts) {
  const rule =
    f.winner?.select === 'first-passing'
      ? 'select: first-passing — the first attempt to pass every criterion wins'
      : 'select: best — every criterion passes > more pass > measured values > outside owns > lines > cost > finish';
  return h(
    'section',
    { class: 'attempts-section' },
    h('h3', {}, `Attempts (${attempts.length})`, h('small', {}, ` ${rule}`)),
    h(
      'div',
      { class: 'attempts', 'data-count': String(attempts.length) },
      ...attempts.map((a) => renderAttempt(a)),
    ),
  );
}

function renderAttempt(a) {
  const facts = [
    ['agent', a.agent],
    ['status', a.status],
    ['checks', a.checks ? `${a.checks.passed}/${a.checks.total} passed` : undefined],
    ...a.measured.map((m) => [`${m.criterion} ${m.label}`, m.value]),
    ['lines changed', a.lines_changed],
    ['outside owns', a.outside_owns ? String(a.outside_owns) : undefined],
    ['cost', a.cost_usd !== undefined ? `$${a.cost_usd.toFixed(2)}` : undefined],
    ['elapsed', a.duration_ms !== undefined ? formatDuration(a.duration_ms) : undefined],
    ['branch', a.branch],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  return h(
    'section',
    {
      class: 'attempt',
      'data-attempt': String(a.attempt),
      'data-status': a.status,
      'data-winner': a.winner ? 'true' : undefined,
      'aria-label': `Attempt ${a.attempt}${a.winner ? ' (winner)' : ''}`,
    },
    h(
      'header',
      {},
      h('h4', {}, `Attempt ${a.attempt}`),
      a.winner ? h('span', { class: 'winner-badge' }, '★ winner') : '',
    ),
    h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
    a.why.length === 0
      ? ''
      : h('ul', { class: a.winner ? 'why winner-why' : 'why' }, ...a.why.map((w) => h('li', {}, w))),
    renderDiff(a),
    a.agent_log && !a.agent_log.missing
      ? h(
          'details',
          { class: 'attempt-log' },
          h('summary', {}, `agent log (last ${a.agent_log.lines.length} lines)`),
          h('pre', { class: 'log' }, a.agent_log.truncated ? '…\n' : '', a.agent_log.lines.join('\n')),
        )
      : '',
  );
}

function renderDiff(a) {
  if (!a.diff) return h('p', { class: 'empty diff-note' }, `No diff: ${a.diff_note ?? 'unknown'}`);
  const { diff } = a;
  const patch = h('pre', { class: 'diff' });
  // One span per line, classed by its kind, so additions and deletions are coloured; text stays text.
  const lines = diff.patch.replace(/\n$/, '').split('\n');
  for (const line of lines) {
    const kind =
      line.startsWith('+++') ||
      line.startsWith('---') ||
      line.startsWith('diff ') ||
      line.startsWith('index ')
        ? 'meta'
        : line.startsWith('@@')
          ? 'hunk'
          : line.startsWith('+')
            ? 'add'
            : line.startsWith('-')
              ? 'del'
              : 'ctx';
    patch.append(h('span', { class: kind }, line, '\n'));
  }
  return h(
    'details',
    { class: 'attempt-diff', open: true },
    h('summary', {}, `diff ${diff.base.slice(0, 8)}..${diff.head.slice(0, 8)}`),
    h('pre', { class: 'diff-stat' }, diff.stat || '(no changes)'),
    diff.patch ? patch : '',
    diff.truncated ? h('p', { class: 'empty' }, '… cut: the diff is larger than the dashboard shows') : '',
  );
}
