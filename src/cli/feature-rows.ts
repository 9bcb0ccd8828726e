import { countChecks, type FeatureState } from '../log/fold.js';
import { formatDuration, type Palette, paintStatus } from './style.js';

/** Header of the feature table shared by `status` and the live `run` view. */
export const FEATURE_HEADER = ['feature', 'status', 'agent', 'elapsed', 'exit', 'checks', 'last event'];

/** One row of the feature table for a folded feature state. */
export function featureRow(f: FeatureState, p: Palette, now: number): string[] {
  const elapsed =
    f.duration_ms ??
    (f.started_at && (f.status === 'running' || f.status === 'verifying' || f.status === 'needs-input')
      ? now - Date.parse(f.started_at)
      : undefined);
  const c = countChecks(f);
  const checks = c.total === 0 ? '—' : `${c.passed}/${c.total}`;
  const last = f.last_event
    ? `${f.last_event.type}${f.last_event.detail ? ` (${f.last_event.detail})` : ''}`
    : '—';
  const open = Object.values(f.collisions);
  const note = open[0]
    ? `⚠ ${open[0].kind} with ${open[0].with}: ${open[0].paths.join(', ')} (${formatDuration(now - Date.parse(open[0].since))} ago)${open.length > 1 ? ` +${open.length - 1}` : ''}`
    : last;
  return [
    f.feature_id,
    paintStatus(p, f.status),
    f.agent ?? '—',
    formatDuration(elapsed),
    f.exit_code === undefined ? '—' : String(f.exit_code ?? f.signal ?? '—'),
    checks,
    note.length > 60 ? `${note.slice(0, 59)}…` : note,
  ];
}
