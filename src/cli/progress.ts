import { describeAttemptNumbers } from '../attempts/describe.js';
import { unreachable } from '../errors.js';
import { featureBranch as featureBranchName } from '../git/refs.js';
import type { PlannedCriteria } from '../log/check-reason.js';
import { UNATTRIBUTED } from '../log/escapes.js';
import type {
  AgentExited,
  BatonEvent,
  BatonEventType,
  FeatureEscaped,
  LogEvent,
  PlainEvent,
} from '../log/events.js';
import { applyEvent, initialState } from '../log/fold.js';
import { describeRetry } from '../log/retry-words.js';
import { resumeNotes } from '../runner/resume.js';
import { describeWordedEvent, wordedSubject } from '../terminal/event-words.js';
import {
  escapeKeepingPalette,
  formatDuration,
  type Palette,
  paintStatus,
  renderTable,
} from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';
import { clipShown } from '../text/one-line.js';
import type { Output } from './context.js';
import {
  agentLogLook,
  attemptRows,
  FEATURE_HEADER,
  type FeatureRowLook,
  featureRow,
  NO_AGENT_LOG,
} from './feature-rows.js';
import type { LiveView } from './live-view.js';

/** A sink of run events that shows progress: a table redrawn in place on a TTY, one line per event otherwise. */
export interface ProgressRenderer {
  /** Any line the log accepts: a queued run also hands on a worker's plain hook lines (no `type`). */
  onEvent(event: LogEvent): void;
  /** Runs `write`, which prints a message of its own (on stderr), without spoiling the live table. */
  interject(write: () => void): void;
  close(): void;
}

/**
 * Describes one event, for logs and non-interactive output (strings from the log escaped): one line,
 * followed for a resumed run or branch by what the resume did, a note a line, indented.
 */
export function describeEvent(e: BatonEvent, p: Palette): string | undefined {
  return describeLines(e, p)?.join('\n');
}

/**
 * The event's line and its resume notes, each line escaped on its own: the line breaks between them
 * are Baton's, never a log string's (those show as `\n`).
 */
function describeLines(e: BatonEvent, p: Palette): string[] | undefined {
  const line = describeRaw(escapeFields(e), p);
  if (line === undefined) return undefined;
  const notes = e.type === 'run.started' || e.type === 'worktree.created' ? resumeNotes(e) : [];
  return [line, ...notes.map((n) => `  ${escapeControl(n)}`)];
}

/** A plain hook line (`feature_id` and `status`, no `type`: examples/completionhook.sh), as a typed hook's line reads. */
function describePlain(e: PlainEvent): string {
  return escapeControl(`${clipShown(String(e.feature_id))}: hook → ${clipShown(String(e.status))}`);
}

/**
 * The event with its strings and lists of strings cut to what a line shows (`clipShown`: a queued run's
 * come from workers) and their control characters escaped (not the colours added later).
 */
function escapeFields<T extends BatonEvent>(e: T): T {
  const shown = (v: string) => escapeControl(clipShown(v));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) {
    out[key] =
      typeof value === 'string'
        ? shown(value)
        : Array.isArray(value)
          ? value.map((v: unknown) => (typeof v === 'string' ? shown(v) : v))
          : value;
  }
  return out as T;
}

/** One line per event type; the switch is exhaustive, so a new type does not compile until it is placed. */
function describeRaw(e: BatonEvent, p: Palette): string | undefined {
  switch (e.type) {
    case 'run.started':
      // A queued run's features run as many at once as its workers' -j allow, not `concurrency`.
      return `run ${e.run_id}: ${e.feature_ids.length} feature${e.feature_ids.length === 1 ? '' : 's'}${e.kept?.length ? ` (${e.kept.length} complete in an earlier run, kept: ${e.kept.join(', ')})` : ''}, ${e.queue ? `as jobs on ${escapeControl(e.queue.url)} (each worker runs its own -j)` : `${e.concurrency} at a time`}, ${e.mode}, base ${e.base} (${e.base_commit.slice(0, 8)})`;
    case 'run.ended':
      return `run ${e.outcome} in ${formatDuration(e.duration_ms)}${e.resumed ? ' (since the resume)' : ''}`;
    case 'feature.started':
      return `${e.feature_id}: ${paintStatus(p, 'running')} ${e.agent} (pid ${e.pid ?? '?'}, PORT ${e.port}, log ${e.log_file})`;
    case 'worktree.created':
      return `${e.feature_id}: worktree ${e.path} on ${e.branch}${e.readded ? ' (made again: its folder was gone)' : e.reused ? ' (reused)' : ''}`;
    case 'setup.started':
    case 'setup.ended':
      return `${e.feature_id}: ${describeWordedEvent(e, p)}`;
    case 'agent.exited':
      return `${e.feature_id}: agent ${agentExitWords(e)} after ${formatDuration(e.duration_ms)}, ${agentChanges(e)}`;
    case 'agent.retrying':
      return `${e.feature_id}: ${p.yellow(`agent ${e.reason}`)} ${describeRetry(e).slice(e.reason.length + 1)}`;
    case 'feature.ended':
      return `${e.feature_id}: ${paintStatus(p, e.status)}${e.reason ? ` — ${e.reason}` : ''}`;
    case 'feature.escaped':
      return describeEscape(e, p);
    case 'hook':
      return `${e.feature_id}: hook ${e.event}${e.status ? ` → ${e.status}` : ''}`;
    case 'user.intervention':
      // The text is escaped already (escapeFields): quoted as it is, so a control character shows as \x1b once.
      return `${e.feature_id}: ${describeWordedEvent(e, p)}`;
    case 'check.passed':
      return e.message.startsWith('warning:')
        ? `${e.feature_id}: check ${e.criterion_id} ${p.yellow('passed with a warning')}: ${e.message.slice('warning: '.length)}`
        : `${e.feature_id}: check ${e.criterion_id} ${p.green('passed')}: ${e.message}`;
    case 'check.failed':
      return `${e.feature_id}: check ${e.criterion_id} ${p.red('failed')}: ${e.message}`;
    case 'check.unverifiable':
      return `${e.feature_id}: check ${e.criterion_id} ${p.yellow('unverifiable')}: ${e.text}`;
    case 'attempt.started':
      return `${e.feature_id}: attempt ${e.attempt} ${paintStatus(p, 'running')} ${e.agent} on ${e.branch} (PORT ${e.port})`;
    case 'attempt.ended':
      return `${e.feature_id}: attempt ${e.attempt} ${e.status === 'stopped' ? p.yellow('stopped') : paintStatus(p, e.status)} — ${describeAttemptNumbers(e)}${e.reason ? `; ${e.reason}` : ''}`;
    case 'attempt.selected':
      return `${e.feature_id}: attempt ${e.winner} ${p.green('wins')} (${e.select})${e.reasons[0] ? `: ${e.reasons[0]}` : ''}${selectedBranchNote(e, p)}`;
    case 'attempt.picked':
      return `${e.feature_id}: attempt ${e.attempt} picked by hand${e.previous !== undefined ? ` over attempt ${e.previous}` : ''}; ${featureBranchName(e.feature_id)} moved to ${e.commit.slice(0, 8)}`;
    case 'collision.detected':
    case 'collision.resolved':
      return `${wordedSubject(e)}: ${describeWordedEvent(e, p)}`;
    case 'phase.started':
    case 'phase.ended':
    case 'integration.started':
    case 'merge.clean':
    case 'merge.conflict':
    case 'merge.skipped':
    case 'integration.tested':
    case 'integration.ended':
    case 'integration.discarded':
    case 'queue.job':
      return undefined;
    default:
      return unreachable(e);
  }
}

/** What became of `baton/<id>` when best-of-N chose: its old tip kept under a backup ref, or the branch left where another process put it. */
function selectedBranchNote(e: Extract<BatonEvent, { type: 'attempt.selected' }>, p: Palette): string {
  const kept = e.backup ? `; what ${e.branch} held before, on no other branch, is kept as ${e.backup}` : '';
  return `${kept}${e.not_moved ? `; ${p.yellow(e.not_moved)}` : ''}`;
}

/** Events whose line stays printed above the live table on a terminal (the rest only update the table). */
const KEPT_ABOVE_TABLE = {
  'run.started': true,
  'run.ended': true,
  'phase.started': false,
  'phase.ended': false,
  'worktree.created': false,
  'setup.started': false,
  'setup.ended': true,
  'feature.started': false,
  'agent.exited': false,
  'agent.retrying': true,
  hook: false,
  'feature.ended': true,
  'feature.escaped': true,
  'check.passed': true,
  'check.failed': true,
  'check.unverifiable': true,
  'integration.started': false,
  'merge.clean': false,
  'merge.conflict': false,
  'merge.skipped': false,
  'integration.tested': false,
  'integration.ended': false,
  'integration.discarded': false,
  'collision.detected': true,
  'collision.resolved': true,
  'queue.job': false,
  'user.intervention': true,
  'attempt.started': false,
  'attempt.ended': true,
  'attempt.selected': true,
  'attempt.picked': true,
} as const satisfies Record<BatonEventType, boolean>;

/**
 * Creates the renderer for `baton run`, drawing the features listed in `featureIds`: a live table on a
 * terminal (log-update and the width rules are loaded only then), one line per event elsewhere. The
 * table's silent and retrying notes read the agent logs of the checkout `root` (none without it).
 */
export async function createProgressRenderer(
  out: Output,
  p: Palette,
  featureIds: readonly string[],
  root?: string,
  /**
   * The criteria each feature's worktree checks run (the m of "checks n/m") and its `after: integration`
   * ones; the config's `trust_workers`.
   */
  plan: { criteria?: PlannedCriteria; integrationCriteria?: PlannedCriteria; trustWorkers?: boolean } = {},
): Promise<ProgressRenderer> {
  const logs = {
    ...(root === undefined ? NO_AGENT_LOG : agentLogLook(root)),
    criteria: plan.criteria,
    integrationCriteria: plan.integrationCriteria,
    trustWorkers: plan.trustWorkers,
  };
  if (out.isTTY)
    return createTableRenderer(p, featureIds, (await import('./live-view.js')).createLiveView(out), logs);
  return {
    onEvent(e) {
      const lines = e.type === undefined ? [describePlain(e)] : describeLines(e, p);
      if (lines) out.write(`${lines.map(escapeKeepingPalette).join('\n')}\n`);
    },
    interject(write) {
      write();
    },
    close() {},
  };
}

/**
 * How an agent ended, for its line: its exit code or signal, else the event's reason in words (an
 * interactive agent whose window was closed by hand has neither, and was shown as "exited null").
 */
function agentExitWords(e: AgentExited): string {
  const how = e.exit_code ?? e.signal;
  if (how !== null) return `exited ${how}`;
  return e.reason ?? 'ended without an exit code';
}

/** What an agent changed: an interrupted agent's work is left uncommitted in its worktree, so that is counted too. */
function agentChanges(e: AgentExited): string {
  if (!e.uncommitted) return `${e.files.length} file(s) changed`;
  return `${e.files.length} file(s) changed in its own commits, ${e.uncommitted} path(s) left uncommitted in the worktree`;
}

/** The live table of `baton run` on a terminal, redrawn in `view`. */
function createTableRenderer(
  p: Palette,
  featureIds: readonly string[],
  view: LiveView,
  logs: FeatureRowLook,
): ProgressRenderer {
  const state = initialState();
  /**
   * Redraws the table in place, with `above` (finished checks, ended features, a best-of-N winner) printed
   * over it for good. A best-of-N feature's attempts are rows under it, as in `baton status`.
   */
  const draw = (above = '') => {
    const rows = featureIds.map((id) => state.features[id]).filter((f) => f !== undefined);
    const now = Date.now();
    const text = renderTable(
      FEATURE_HEADER,
      rows.flatMap((f) => [
        featureRow(f, p, now, { ...logs, runStartedAt: state.run_started_at }),
        ...attemptRows(f, p, now, state),
      ]),
    );
    if (above) view.print(above);
    view.update(text);
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    onEvent(e) {
      applyEvent(state, e);
      const kept = e.type !== undefined && KEPT_ABOVE_TABLE[e.type] ? describeEvent(e, p) : undefined;
      draw(kept ? `${kept}\n` : '');
    },
    interject(write) {
      view.interject(write);
    },
    close() {
      clearInterval(timer);
      draw();
      view.done();
    },
  };
}

/**
 * A `feature.escaped` line: the feature whose agent ran while it changed (and owns the path, when that
 * is what named it) — never stated as the agent's certain doing, since the user working in the checkout
 * meanwhile looks the same; no feature is named for what several running agents, or none, may have done.
 */
function describeEscape(e: FeatureEscaped, p: Palette): string {
  const where = e.kind === 'repository' ? 'the repository' : 'the main checkout';
  const files = e.files.join(', ');
  if (e.attribution === 'unknown') return p.yellow(`${where} changed while ${UNATTRIBUTED} ran: ${files}`);
  if (e.attribution === 'owns')
    return `${e.feature_id}: ${p.yellow(`${where} changed while it ran, in what it owns`)}: ${files}`;
  return `${e.feature_id}: ${p.yellow(`${where} changed while it ran`)}: ${files}`;
}
