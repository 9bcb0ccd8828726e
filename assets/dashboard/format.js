// Formatting shared by the board, the timeline and the detail panel.

/** "1h 02m", "3m 05s", "12s" from milliseconds. */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

// One formatter for every timestamp: building one per call (toLocaleTimeString) is slow with hundreds of cards.
const CLOCK = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** Local wall-clock time of an ISO timestamp, "14:03:07". */
export function formatClock(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : CLOCK.format(t);
}

/** A ratio as a percentage, "17 %". */
export function formatPercent(ratio) {
  if (ratio === undefined || ratio === null || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)} %`;
}

/** A speedup factor, "3.2×". */
export function formatFactor(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return `${x.toFixed(1)}×`;
}

/** "1 feature", "3 features". */
export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * How an agent's process ended, in words: the reason Baton gives a failure is "exit 3", "killed by
 * SIGTERM (exit 143)", "timed out after 5 s and was stopped"…, read as the end of "agent …".
 */
function agentExit(e) {
  const exitCode = /^exit (.*)$/.exec(e.reason ?? '');
  if (exitCode) return `agent exited with code ${exitCode[1]}`;
  return e.reason ? `agent ${e.reason}` : `agent exited with code ${e.exit_code}`;
}

/** What an agent changed; an interrupted agent's work is left uncommitted in its worktree, so that is counted too. */
function agentChanges(e) {
  const files = count(e.files?.length ?? 0, 'file');
  if (!e.uncommitted) return `${files} changed`;
  return `${files} changed in its own commits, ${count(e.uncommitted, 'path')} left uncommitted in the worktree`;
}

/**
 * A retry in words, as the terminal and `baton status` say it: `rate-limited (exit 1); retry 1 of 3 in
 * 5 s (config retry)`. A mirror of describeRetry in src/log/retry-words.ts (the page loads no server
 * module); test/dashboard/retry-words.test.ts holds them to the same words.
 */
export function describeRetry(e) {
  const exit = e.exit_code === null ? 'killed by a signal' : `exit ${e.exit_code}`;
  const when =
    e.reason === 'rate-limited'
      ? ` in ${Math.round(e.delay_ms / 100) / 10} s (config retry)`
      : ' (contract retries)';
  return `${e.reason} (${exit}); retry ${e.retry} of ${e.of}${when}`;
}

/** One line saying what an event was, for the card, the feed and the detail panel. */
export function describeEvent(e) {
  switch (e.type) {
    case undefined:
      return `status: ${e.status}`;
    case 'run.started':
      return `run started: ${count(e.feature_ids.length, 'feature')}, ${e.concurrency} at once`;
    case 'run.ended':
      return `run ended: ${e.outcome}`;
    case 'phase.started':
      return `phase ${e.phase} started`;
    case 'phase.ended':
      return `phase ${e.phase} ended`;
    case 'worktree.created':
      return `worktree ${e.reused ? 'reused' : 'created'} on ${e.branch}`;
    case 'feature.started':
      return `agent ${e.agent} started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    case 'agent.exited':
      return `${agentExit(e)}, ${agentChanges(e)}`;
    case 'agent.retrying':
      return `agent ${describeRetry(e)}`;
    case 'hook':
      return `hook ${e.event}${e.status ? ` → ${e.status}` : ''}${e.detail ? `: ${e.detail}` : ''}`;
    case 'feature.ended':
      return `ended: ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
    case 'feature.escaped':
      return `changed outside the worktrees while it ran: ${e.files.join(', ')}`;
    case 'check.passed':
    case 'check.failed':
    case 'check.unverifiable':
      return `${e.type.slice(6)} ${e.criterion_id}: ${e.message}`;
    case 'integration.started':
      return `integration started on ${e.branch}`;
    case 'merge.clean':
      return 'merged cleanly';
    case 'merge.conflict':
      return `merge conflict in ${e.files.join(', ')}${e.with.length ? ` with ${e.with.join(', ')}` : ''}`;
    case 'merge.skipped':
      return `merge skipped: ${e.reason}`;
    case 'integration.tested':
      return `tests after ${e.after_feature}: ${e.passed ? 'passed' : 'failed'}`;
    case 'integration.ended':
      return `integration ended: ${e.outcome}`;
    case 'attempt.started':
      return `attempt ${e.attempt} started: ${e.agent} on ${e.branch}`;
    case 'attempt.ended':
      return `attempt ${e.attempt} ended ${e.status}: checks ${e.checks.passed}/${e.checks.total}, ${e.lines_changed} line${e.lines_changed === 1 ? '' : 's'} changed${e.reason ? ` (${e.reason})` : ''}`;
    case 'attempt.selected':
      return `attempt ${e.winner} wins (${e.select})${e.reasons[0] ? `: ${e.reasons[0]}` : ''}`;
    case 'attempt.picked':
      return `attempt ${e.attempt} picked by hand${e.previous !== undefined ? ` over attempt ${e.previous}` : ''} (baton pick)`;
    default:
      return e.type;
  }
}

/**
 * An event of the feed or the detail panel in words: the words the server sent with it (`text`: the
 * terminal's, for the events it words — setup, interventions, collisions, queue jobs, a discarded
 * integration), else `describeEvent`'s.
 */
export function eventLine({ event, text }) {
  return text ?? describeEvent(event);
}

/**
 * One mark per attempt status, for the card's compact attempt line: ✓ passed, ✗ not, … still going,
 * ? its agent waits for input.
 */
export function attemptMark(status) {
  if (status === 'complete') return '✓';
  if (status === 'needs-input') return '?';
  if (status === 'running' || status === 'verifying') return '…';
  if (status === 'pending') return '·';
  if (status === 'stopped') return '■';
  return '✗';
}
