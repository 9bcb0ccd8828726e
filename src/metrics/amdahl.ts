import { agentTimeExceedsN, incompleteFeatures } from './headline.js';
import type { AmdahlReport, FeatureReport, Worksheet } from './types.js';
import { sumOrNull } from './worksheet.js';

/**
 * Amdahl's law for this run (pure): the serial phases as they took, the implementation's
 * sequential time as the parallelisable work, N the features that could run at once. A run one of
 * whose `features` did not complete achieved no speedup (the headline's rule, `incompleteFeatures`),
 * nor one whose agents' times exceed what N agents can record (`agentTimeExceedsN`).
 */
export function buildAmdahl(
  worksheet: Worksheet,
  n: number | null,
  features: readonly Pick<FeatureReport, 'status'>[] = [],
): AmdahlReport {
  const rows = worksheet.rows;
  const implementation = rows.find((r) => r.parallel);
  const serialRows = rows.filter((r) => !r.parallel && r.recorded);
  const serial = serialRows.length === 0 ? 0 : sumOrNull(serialRows.map((r) => r.parallel_actual_min));
  const parallelisable = implementation
    ? (implementation.sequential_measured_min ??
      (implementation.estimate_comparable === false ? null : implementation.sequential_estimate_min))
    : null;
  const work = serial !== null && parallelisable !== null ? serial + parallelisable : null;
  const s = work !== null && work > 0 ? (serial ?? 0) / work : null;
  const bound = s !== null && n !== null && n > 0 ? 1 / (s + (1 - s) / n) : null;
  // Achieved needs the implementation's own wall-clock inside the total.
  const elapsed =
    implementation?.recorded &&
    incompleteFeatures(features).length === 0 &&
    !agentTimeExceedsN(implementation, n)
      ? worksheet.total.parallel_actual_min
      : null;
  return {
    n,
    serial_min: serial,
    parallelisable_min: parallelisable,
    serial_fraction: s,
    bound,
    // The same work measured the same way as the bound: serial phases as they took plus the parallel part.
    achieved: work !== null && elapsed !== null && elapsed > 0 ? work / elapsed : null,
    implementation_speedup: implementation ? implementation.speedup : null,
  };
}
