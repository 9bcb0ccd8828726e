import { escapeControl } from './text/escape.js';

/** Where a problem sits in a file: 1-based line and column. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

/** A located problem found while analysing user input; a value, never thrown. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Stable machine-readable code, e.g. `contract/unknown-field`. */
  code: string;
  message: string;
  location?: Location;
  /** The offending source line, shown under the message. */
  source?: string;
  /** What to do about it. */
  hint?: string;
}

/** Either a value or the diagnostics explaining why there is none. */
export type Result<T> = { ok: true; value: T; warnings: Diagnostic[] } | { ok: false; errors: Diagnostic[] };

/** Formats a location as `file:line:column`. */
export function formatLocation(loc: Location): string {
  let out = loc.file;
  if (loc.line !== undefined) out += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) out += `:${loc.column}`;
  return out;
}

/**
 * Renders a diagnostic as the lines a person reads in a terminal, control characters escaped: the
 * message and the source excerpt quote contracts and configs an agent may have written.
 */
export function formatDiagnostic(d: Diagnostic): string {
  // A path is one line however it is named (a file name may hold a newline); a message may span lines.
  const where = d.location ? `${escapeControl(formatLocation(d.location))}: ` : '';
  const lines = [`${where}${d.severity}: ${d.message} [${d.code}]`];
  if (d.source !== undefined && d.location?.line !== undefined) {
    lines.push(`  ${String(d.location.line).padStart(4)} | ${d.source}`);
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return escapeControl(lines.join('\n'), { keepNewlines: true });
}

/**
 * A user error's own line: its message with its code at the end of the first line, `message [code]`,
 * as a diagnostic shows its code. Every place that prints a UserError to a person prints this (after
 * `baton: ` on stderr), so the code a script or a search needs is always on the line.
 */
export function formatUserError(err: Pick<UserError, 'message' | 'code'>): string {
  const cut = err.message.indexOf('\n');
  if (cut < 0) return `${err.message} [${err.code}]`;
  return `${err.message.slice(0, cut)} [${err.code}]${err.message.slice(cut)}`;
}

/** An expected failure caused by the user's input or environment; exit code 1 (or 2 for usage). */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;
  readonly diagnostics: Diagnostic[];
  constructor(
    code: string,
    message: string,
    options: { hint?: string; exitCode?: 1 | 2; diagnostics?: Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Marks a branch the type system proves impossible; a new union member then fails to compile. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
