import type { Report } from '../metrics/types.js';

/** Version of the JSON report's shape, bumped when a field changes meaning. */
export const REPORT_SCHEMA_VERSION = 1;

/** The report as JSON: the same data the other formats show, unknowns as `null` (pure). */
export function renderJson(report: Report): string {
  return `${JSON.stringify({ schema_version: REPORT_SCHEMA_VERSION, ...report }, null, 2)}\n`;
}
