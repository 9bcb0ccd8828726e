/**
 * Why checks failed, in words: one rule for the run's verdict (`runner/outcome.ts`), the fold after a
 * `baton verify`, and integration's "not merged".
 */
import { clipLine } from '../text/one-line.js';
import type { CheckResult } from './state.js';

/** The first failed criterion's id and message, and which others failed; undefined for none (pure). */
export function checkFailuresReason(
  failures: ReadonlyArray<{ criterion_id: string; message: string }>,
): string | undefined {
  const [first, ...rest] = failures;
  if (!first) return undefined;
  const more = rest.length > 0 ? ` (and ${rest.map((f) => f.criterion_id).join(', ')} failed too)` : '';
  return `${first.criterion_id}: ${clipLine(first.message)}${more}`;
}

/** The same, from a feature's folded checks (pure). */
export function failedChecksReason(checks: Readonly<Record<string, CheckResult>>): string | undefined {
  return checkFailuresReason(Object.values(checks).filter((c) => c.outcome === 'failed'));
}
