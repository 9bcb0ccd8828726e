import type { Report } from '../metrics/types.js';
import { stringifyJson } from '../text/escape.js';

/**
 * Version of the JSON report's shape, bumped when a field changes meaning. 2: `headline`; a row's
 * `speedup` is the measured one first; `sequential_measured_min` may be a `-j 1` run's wall-clock;
 * integration time and merges are the final attempt's.
 */
export const REPORT_SCHEMA_VERSION = 2;

/** The report as JSON: the same data the other formats show, unknowns as `null` (pure). */
export function renderJson(report: Report): string {
  return `${stringifyJson({ schema_version: REPORT_SCHEMA_VERSION, ...report }, 2)}\n`;
}
