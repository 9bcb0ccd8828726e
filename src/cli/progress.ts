import type { BatonEvent } from '../log/events.js';
import { applyEvent, initialState } from '../log/fold.js';
import type { Output } from './context.js';
import { FEATURE_HEADER, featureRow } from './feature-rows.js';
import { formatDuration, type Palette, paintStatus, renderTable } from './style.js';

/** A sink of run events that shows progress: a table redrawn in place on a TTY, one line per event otherwise. */
export interface ProgressRenderer {
  onEvent(event: BatonEvent): void;
  close(): void;
}

/** Describes one event in a line, for logs and non-interactive output. */
export function describeEvent(e: BatonEvent, p: Palette): string | undefined {
  switch (e.type) {
    case 'run.started':
      return `run ${e.run_id}: ${e.feature_ids.length} features, ${e.concurrency} at a time, ${e.mode}, base ${e.base} (${e.base_commit.slice(0, 8)})`;
    case 'run.ended':
      return `run ${e.outcome} in ${formatDuration(e.duration_ms)}`;
    case 'feature.started':
      return `${e.feature_id}: ${paintStatus(p, 'running')} ${e.agent} (pid ${e.pid ?? '?'}, PORT ${e.port}, log ${e.log_file})`;
    case 'worktree.created':
      return `${e.feature_id}: worktree ${e.path} on ${e.branch}${e.reused ? ' (reused)' : ''}`;
    case 'agent.exited':
      return `${e.feature_id}: agent exited ${e.exit_code ?? e.signal} after ${formatDuration(e.duration_ms)}, ${e.files.length} file(s) changed`;
    case 'feature.ended':
      return `${e.feature_id}: ${paintStatus(p, e.status)}${e.reason ? ` — ${e.reason}` : ''}`;
    case 'feature.escaped':
      return `${e.feature_id}: ${p.yellow('wrote into the main checkout')}: ${e.files.join(', ')}`;
    case 'hook':
      return `${e.feature_id}: hook ${e.event}${e.status ? ` → ${e.status}` : ''}`;
    case 'check.passed':
      return `${e.feature_id}: check ${e.criterion_id} ${p.green('passed')}: ${e.message}`;
    case 'check.failed':
      return `${e.feature_id}: check ${e.criterion_id} ${p.red('failed')}: ${e.message}`;
    case 'check.unverifiable':
      return `${e.feature_id}: check ${e.criterion_id} ${p.yellow('unverifiable')}: ${e.text}`;
    case 'phase.started':
    case 'phase.ended':
    case 'integration.started':
    case 'merge.clean':
    case 'merge.conflict':
    case 'merge.skipped':
    case 'integration.tested':
    case 'integration.ended':
    case 'integration.discarded':
      return undefined;
  }
}

/** Creates the renderer for `baton run`, drawing the features listed in `featureIds`. */
export function createProgressRenderer(
  out: Output,
  p: Palette,
  featureIds: readonly string[],
): ProgressRenderer {
  if (!out.isTTY) {
    return {
      onEvent(e) {
        const line = describeEvent(e, p);
        if (line) out.write(`${line}\n`);
      },
      close() {},
    };
  }
  const state = initialState();
  let drawn = 0;
  const draw = () => {
    const rows = featureIds.map((id) => state.features[id]).filter((f) => f !== undefined);
    const text = renderTable(
      FEATURE_HEADER,
      rows.map((f) => featureRow(f, p, Date.now())),
    );
    const erase = drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : '';
    out.write(`${erase}${text}\n`);
    drawn = text.split('\n').length;
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    onEvent(e) {
      applyEvent(state, e);
      if (e.type === 'run.started') return;
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
