import type { Report } from '../metrics/types.js';
import { stringifyJson } from '../text/escape.js';

/**
 * Version of the JSON report's shape, bumped when a field changes meaning. 2: `headline`; a row's
 * `speedup` is the measured one first; `sequential_measured_min` may be a `-j 1` run's wall-clock;
 * integration time and merges are the final attempt's. 3: `conflicts.count` (and its pairs, files and
 * a feature's `conflicts`) leaves out the conflicts from a base lacking the commit the features were
 * cut from, counted in `conflicts.base_lacks_cut`. 4, with the same shape: integration time, merges,
 * tests and conflicts are those of every delivered attempt (all but the ones `--fresh` or `clean` discarded), no
 * longer the last attempt's alone.
 */
export const REPORT_SCHEMA_VERSION = 4;

/** The report as JSON: the same data the other formats show, unknowns as `null` (pure). */
export function renderJson(report: Report): string {
  return `${stringifyJson({ schema_version: REPORT_SCHEMA_VERSION, ...report }, 2)}\n`;
}
