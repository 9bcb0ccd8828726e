/** Best-of-N figures in words, for the progress lines, `status` and the report (pure). */
import type { AttemptEnded } from '../log/events.js';
import type { AttemptState } from '../log/state.js';

/**
 * The numbers the selection rule compares, in the rule's order, one short phrase each, then the
 * attempt's agent time when given (`attemptAgentTime`; never the attempt's span, which holds its checks).
 */
export function describeAttemptNumbers(
  a: Pick<AttemptEnded, 'checks' | 'measured' | 'lines_changed' | 'outside_owns'> & {
    cost_usd?: number | undefined;
    agent_ms?: number | undefined;
  },
): string {
  const parts = [`checks ${a.checks.passed}/${a.checks.total}`];
  for (const [criterion, values] of Object.entries(a.measured)) {
    for (const [key, value] of Object.entries(values))
      parts.push(`${criterion} ${describeMeasure(key, value)}`);
  }
  parts.push(`${a.lines_changed} line${a.lines_changed === 1 ? '' : 's'} changed`);
  if (a.outside_owns > 0) parts.push(`${a.outside_owns} outside owns`);
  if (a.cost_usd !== undefined) parts.push(`$${a.cost_usd.toFixed(2)}`);
  if (a.agent_ms !== undefined) parts.push(`${(a.agent_ms / 1000).toFixed(1)} s`);
  return parts.join(', ');
}

/** `p95_ms` → `p95`; `error_rate` → `error rate`. */
export function measureLabel(key: string): string {
  return key.endsWith('_ms') ? key.slice(0, -3) : key.replace(/_/g, ' ');
}

/** A measured value with its unit: `20 ms`, `1%`. */
export function measureValue(key: string, value: number): string {
  if (key.endsWith('_ms')) return `${round(value)} ms`;
  if (key === 'error_rate') return `${round(value * 100)}%`;
  return String(round(value));
}

/** `p95_ms` 20 → `p95 20 ms`; `error_rate` 0.01 → `error rate 1%`. */
export function describeMeasure(key: string, value: number): string {
  return `${measureLabel(key)} ${measureValue(key, value)}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * An attempt's numbers as the views show them (status, live table, dashboard), with its agent time
 * (`attemptAgentTime`) when known; undefined before its checks ran.
 */
export function describeAttemptState(a: AttemptState, agentMs: number | undefined): string | undefined {
  if (!a.checks) return undefined;
  return describeAttemptNumbers({
    checks: a.checks,
    measured: a.measured,
    lines_changed: a.lines_changed ?? 0,
    outside_owns: a.outside_owns ?? 0,
    agent_ms: agentMs,
    cost_usd: a.cost_usd,
  });
}
