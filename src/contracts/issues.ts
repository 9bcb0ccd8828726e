import type { Diagnostic } from '../errors.js';
import type { z } from '../zod.js';
import { ContractSchema } from './schema.js';
import { objectKeysAt } from './schema-keys.js';
import { closestName } from './suggest.js';

/**
 * How a contract's schema errors are told (pure): each zod issue becomes diagnostics that name the
 * field, what was expected and what was received, with a "did you mean" for an unknown key.
 */

/** A field's path in the contract. */
export type Path = readonly PropertyKey[];

/** Makes a located diagnostic for a path (the parser knows the lines). */
export type Emit = (code: string, message: string, path: Path, hint?: string) => Diagnostic;

/** What an issue is told from: the data validated, the diagnostic maker, and the source text of a scalar at a path. */
export interface IssueContext {
  data: unknown;
  emit: Emit;
  /** The scalar at `path` as written in YAML (`003`), when the source is YAML and the path leads to one. */
  written?: (path: Path) => string | undefined;
}

/** Turns one zod issue into diagnostics that name the field, the expectation and what was received. */
export function describeIssue(issue: z.core.$ZodIssue, prefix: Path, ctx: IssueContext): Diagnostic[] {
  const { data, emit } = ctx;
  const path = [...prefix, ...issue.path];
  const name = formatPath(path);
  const value = valueAt(data, path);
  if (issue.code === 'invalid_union') {
    // Report the alternative that got furthest, not zod's bare "Invalid input".
    const branches = issue.errors.filter(
      (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
    );
    const best = branches[0];
    if (best) return best.flatMap((i) => describeIssue(i, path, ctx));
    const expected = issue.errors
      .flatMap((branch) => branch.map((i) => (i.code === 'invalid_type' ? i.expected : undefined)))
      .filter((e): e is string => e !== undefined);
    return [wrongType(ctx, path, [...new Set(expected)], value)];
  }
  if (issue.code === 'invalid_type' && value === undefined) {
    const field = String(path[path.length - 1]);
    return [
      emit(
        'contract/missing-field',
        `missing required field "${name}"`,
        path,
        field === 'feature_id'
          ? 'Add "feature_id: <id>" (lowercase letters, digits and dashes, e.g. feature-001-upload).'
          : `Add "${field}: …".`,
      ),
    ];
  }
  if (issue.code === 'invalid_type') return [wrongType(ctx, path, [issue.expected], value)];
  if (
    issue.code === 'invalid_format' &&
    (path[path.length - 1] === 'feature_id' || path[0] === 'depends_on')
  ) {
    return [
      emit(
        'contract/invalid-id',
        `${name}: ${JSON.stringify(value)} is not a valid feature id; ${issue.message}`,
        path,
        'Feature ids become branch and folder names: use only [a-z0-9-], e.g. feature-002-product-catalog.',
      ),
    ];
  }
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue.keys, path, value, emit);
  if (issue.code === 'invalid_key') {
    // A record's key refused (an HTTP header name): its own check's words, about the key, not its value.
    const key = String(path[path.length - 1]);
    const why = issue.issues[0]?.message ?? issue.message;
    return [emit('contract/invalid', `${name}: ${why}, got ${JSON.stringify(key)}`, path)];
  }
  return [emit('contract/invalid', `${name}: ${issue.message}, got ${describe(value)}`, path)];
}

/**
 * A value of the wrong type. A string expected and YAML read a number or a boolean (`003`, `0x1f`, `1e3`,
 * `true`): the message quotes what was written, not the value YAML made of it (3, 31, 1000), and the hint
 * is the same text in quotes, which YAML keeps as written.
 */
function wrongType(ctx: IssueContext, path: Path, expected: readonly string[], value: unknown): Diagnostic {
  const name = formatPath(path);
  const written = ctx.written?.(path);
  if (
    written !== undefined &&
    expected.includes('string') &&
    (typeof value === 'number' || typeof value === 'boolean')
  ) {
    const key = path[path.length - 1];
    const quoted = `${typeof key === 'string' ? `${key}: ` : ''}${JSON.stringify(written)}`;
    // Said as written when YAML made something else of it (3 of `003`, 31 of `0x1f`); the printer escapes it.
    const got =
      written === String(value)
        ? describe(value)
        : `${written}, which YAML reads as the ${typeof value} ${String(value)}`;
    return ctx.emit(
      'contract/invalid',
      `${name}: expected ${expected.join(' or ')}, got ${got}`,
      path,
      `Quote it to keep it as written: ${quoted}`,
    );
  }
  return ctx.emit(
    'contract/invalid',
    `${name}: expected ${expected.join(' or ')}, got ${describe(value)}`,
    path,
  );
}

/** Fields a contract does not know at `path`, each with the closest known name, or told which form it belongs to. */
function unknownKeys(keys: readonly string[], path: Path, value: unknown, emit: Emit): Diagnostic[] {
  const name = formatPath(path);
  const knownKeys = objectKeysAt(ContractSchema, path);
  return keys.map((key) => {
    if (knownKeys.includes(key)) {
      // Known here, but in another form of a union than the fields beside it (`{ command, args }`).
      const beside = Object.keys((value ?? {}) as object).filter((k) => k !== key && knownKeys.includes(k));
      return emit(
        'contract/invalid',
        `${name}: field "${key}" does not go with ${beside.map((k) => `"${k}"`).join(', ') || 'the others'}`,
        [...path, key],
        `Keep the fields of one form of ${name} (docs/contracts.md lists them).`,
      );
    }
    const suggestion = closestName(key, knownKeys);
    return emit(
      'contract/unknown-field',
      `${name}: unknown field "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      [...path, key],
      knownKeys.length > 0 ? `Known fields here: ${knownKeys.join(', ')}.` : undefined,
    );
  });
}

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path)
    out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out || '(front matter)';
}

function valueAt(data: unknown, path: Path): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // JSON has no word for these (it writes null): YAML reads 1e400 (and .inf) as infinity.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN (not a number)' : `${value < 0 ? '-' : ''}infinity (no finite number)`;
  }
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
}
