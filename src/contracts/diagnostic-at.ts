import type { Diagnostic } from '../errors.js';
import type { Contract } from './schema.js';

/**
 * A diagnostic about one field of a parsed contract, located where the field was written (the
 * position recorded under `key`, else under `fallbackKey`, else the file alone), with that line shown.
 */
export function diagnosticAt(
  c: Contract,
  key: string,
  severity: Diagnostic['severity'],
  d: { code: string; message: string; hint: string },
  fallbackKey?: string,
): Diagnostic {
  const pos = c.positions?.[key] ?? (fallbackKey === undefined ? undefined : c.positions?.[fallbackKey]);
  return {
    severity,
    code: d.code,
    message: d.message,
    location: { file: c.file, ...(pos ? { line: pos.line, column: pos.column } : {}) },
    ...(pos ? { source: pos.source } : {}),
    hint: d.hint,
  };
}
