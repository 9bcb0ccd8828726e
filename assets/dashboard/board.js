// The board: one column per group of statuses, one card per feature. Cards are kept by id and moved
// between columns as their status changes, so an update touches only the cards it names.
import { h, shown } from './dom.js';
import { attemptMark, formatClock, formatDuration } from './format.js';

const COLUMN_TITLES = {
  pending: 'Pending',
  running: 'Running',
  'needs-input': 'Needs input',
  complete: 'Complete',
  failed: 'Failed',
};

/** Which column a status goes in, from the server's column map. */
export function columnOf(model, status) {
  for (const [column, statuses] of Object.entries(model.columns))
    if (statuses.includes(status)) return column;
  return 'pending';
}

/**
 * A feature's elapsed time in words, as `baton status` gives it: the agent time the server sent
 * (`duration_ms`, with its note when the log's times were doubtful), else ticking from its start while
 * it runs; a feature that started and stopped with no time known is `unknown`, never a wall-clock span.
 */
export function elapsedText(model, f) {
  const note = f.duration_note ? ` (${f.duration_note})` : '';
  if (f.duration_implausible) return `unknown${note}`;
  if (f.duration_ms !== undefined) return `${formatDuration(f.duration_ms)}${note}`;
  if (f.started_at && isLive(f.status)) return formatDuration(model.now() - Date.parse(f.started_at));
  return f.started_at ? 'unknown' : '—';
}

/**
 * When a started feature stopped (or now while it runs). A status set by a hook carries no end time,
 * so the time of the feature's last event stands in for it.
 */
export function endOf(model, f) {
  if (!f.started_at) return undefined;
  if (f.ended_at) return Date.parse(f.ended_at);
  if (isLive(f.status)) return model.now();
  if (f.duration_ms !== undefined) return Date.parse(f.started_at) + f.duration_ms;
  return f.last_event?.ts ? Date.parse(f.last_event.ts) : undefined;
}

/** Whether a feature's clock is still running. */
export function isLive(status) {
  return status === 'running' || status === 'verifying' || status === 'needs-input';
}

/**
 * Checks passed and expected, as the server counted them for `baton status` too (`check_count`: m is
 * the criteria its checks run, the implicit `owns` one included); a feature without one shows none.
 */
export function checksOf(f) {
  return { passed: f.check_count?.passed ?? 0, total: f.check_count?.total ?? 0 };
}

/** Creates the board inside `root`; `onSelect(id)` opens a feature's detail. */
export function createBoard(root, { onSelect }) {
  const columns = new Map();
  const cards = new Map();
  // Arrival order breaks ties of rank (every feature outside the plan has the same one).
  let arrivals = 0;

  function reset(model) {
    root.replaceChildren();
    columns.clear();
    cards.clear();
    for (const column of Object.keys(model.columns)) {
      const list = h('ol', { class: 'cards' });
      const count = h('span', { class: 'count' }, '0');
      const section = h(
        'section',
        { class: 'column', 'data-column': column, 'aria-label': COLUMN_TITLES[column] ?? column },
        h('h3', {}, COLUMN_TITLES[column] ?? column, ' ', count),
        list,
      );
      // `order`: the column's cards in the order of its list, for `place` to search without the DOM.
      columns.set(column, { list, count, order: [] });
      root.append(section);
    }
    // Built off-document in plan order, then attached: one layout for the whole board.
    const fragments = new Map([...columns.keys()].map((c) => [c, document.createDocumentFragment()]));
    const ordered = [...model.features.values()].sort(
      (a, b) => model.rank(a.feature_id) - model.rank(b.feature_id),
    );
    for (const f of ordered) {
      const card = makeCard(f.feature_id);
      cards.set(f.feature_id, card);
      fillCard(model, card, f);
      const column = columnOf(model, f.status);
      Object.assign(card, { column, rank: model.rank(f.feature_id), arrival: arrivals++ });
      columns.get(column)?.order.push(card);
      fragments.get(column)?.append(card.li);
    }
    for (const [column, fragment] of fragments) columns.get(column)?.list.append(fragment);
    counts();
  }

  function update(model, ids) {
    for (const id of ids) {
      const f = model.features.get(id);
      if (f) place(model, f);
    }
    counts();
  }

  function tick(model) {
    for (const [id, card] of cards) {
      const f = model.features.get(id);
      if (f && isLive(f.status)) card.elapsed.textContent = elapsedText(model, f);
    }
  }

  function place(model, f) {
    const id = f.feature_id;
    let card = cards.get(id);
    if (!card) {
      card = makeCard(id);
      cards.set(id, card);
    }
    fillCard(model, card, f);
    const column = columnOf(model, f.status);
    const target = columns.get(column);
    if (!target) return;
    if (card.column !== column) {
      // Keep each column in plan order (dependencies first), whatever order the events came in: found
      // by a binary search of the column's `order`, as a scan of the column per card froze the page
      // for seconds on thousands of ids.
      const from = columns.get(card.column);
      if (from) from.order.splice(orderIndex(from.order, card), 1);
      Object.assign(card, { column, rank: model.rank(id), arrival: arrivals++ });
      const at = orderIndex(target.order, card);
      target.list.insertBefore(card.li, target.order[at]?.li ?? null);
      target.order.splice(at, 0, card);
    }
  }

  /** Where `card` is, or goes, in a column's `order` (by rank, then arrival): a binary search. */
  function orderIndex(order, card) {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = order[mid];
      if (other.rank < card.rank || (other.rank === card.rank && other.arrival < card.arrival)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function makeCard(id) {
    const title = h('p', { class: 'title' });
    const badge = h('span', { class: 'badge' });
    const agent = h('dd', { class: 'agent' });
    const elapsed = h('dd', { class: 'elapsed' });
    const checks = h('dd', { class: 'checks' });
    const last = h('p', { class: 'last' });
    const collision = h('p', { class: 'collision', hidden: true });
    const escaped = h('p', { class: 'escaped', hidden: true });
    const attempts = h('p', { class: 'attempts-line', hidden: true });
    const article = h(
      'article',
      {
        class: 'card',
        tabindex: '0',
        'aria-label': `Feature ${id}`,
        onclick: () => onSelect(id),
        onkeydown: (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            onSelect(id);
          }
        },
      },
      h('header', {}, h('code', { class: 'id' }, id), badge),
      title,
      h(
        'dl',
        {},
        h('dt', {}, 'agent'),
        agent,
        h('dt', {}, 'elapsed'),
        elapsed,
        h('dt', {}, 'checks'),
        checks,
      ),
      attempts,
      escaped,
      collision,
      last,
    );
    const li = h('li', { 'data-feature': id }, article);
    return { li, article, title, badge, agent, elapsed, checks, last, collision, escaped, attempts };
  }

  function fillCard(model, card, f) {
    const contract = model.projectById.get(f.feature_id);
    card.li.dataset.status = f.status;
    card.article.dataset.status = f.status;
    card.title.textContent = shown(contract?.title ?? '');
    const column = columnOf(model, f.status);
    // A complete feature whose checks never ran (--no-verify) or passed only on a worker says so, as `baton status` does.
    const badge = f.unverified ? 'unverified' : f.status === column ? '' : shown(f.status);
    card.badge.textContent = badge;
    card.badge.title = f.unverified ? shown(f.unverified_reason ?? '') : '';
    card.badge.hidden = badge === '';
    card.agent.textContent = shown(f.agent ?? '—');
    card.elapsed.textContent = elapsedText(model, f);
    const { passed, total } = checksOf(f);
    card.checks.textContent = total > 0 ? `${passed}/${total}` : '—';
    card.checks.dataset.outcome = total === 0 ? 'none' : passed === total ? 'all' : 'some';
    const last = f.last_event;
    const text = last ? `${last.type}${last.detail ? `: ${last.detail}` : ''}` : 'no events yet';
    card.last.textContent = shown(last?.ts ? `${formatClock(last.ts)} · ${text}` : text);
    card.last.title = card.last.textContent;
    // Best-of-N: one mark per attempt under the card ("a1 ✗ a2 ✓★ a3 ✓"), the winner starred.
    const attempts = Object.values(f.attempts ?? {}).sort((a, b) => a.attempt - b.attempt);
    card.attempts.hidden = attempts.length === 0;
    card.attempts.replaceChildren(
      ...attempts.map((a) =>
        h(
          'span',
          {
            class: 'attempt-mark',
            'data-attempt': String(a.attempt),
            'data-status': a.status,
            'data-winner': f.winner?.attempt === a.attempt ? 'true' : undefined,
            title: `attempt ${a.attempt}: ${a.agent ?? '?'} ${a.status}${a.checks ? `, checks ${a.checks.passed}/${a.checks.total}` : ''}`,
          },
          `a${a.attempt} ${attemptMark(a.status)}${f.winner?.attempt === a.attempt ? '★' : ''}`,
        ),
      ),
    );
    // Open collisions the radar reported: the other feature, the kind, the paths, since when.
    const open = Object.values(f.collisions ?? {});
    card.collision.hidden = open.length === 0;
    card.collision.textContent = shown(
      open
        .map((c) => `⚠ ${c.kind} with ${c.with}: ${c.paths.join(', ')} · since ${formatClock(c.since)}`)
        .join('\n'),
    );
    card.collision.title = card.collision.textContent;
    // What changed outside the worktrees while its agent ran (the main checkout, the git config, refs).
    const escaped = f.escaped ?? [];
    card.escaped.hidden = escaped.length === 0;
    card.escaped.textContent = shown(`⚠ changed outside the worktrees while it ran: ${escaped.join(', ')}`);
    card.escaped.title = card.escaped.textContent;
  }

  function counts() {
    for (const { list, count } of columns.values()) count.textContent = String(list.children.length);
  }

  return { reset, update, tick };
}
