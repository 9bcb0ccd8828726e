import type { Path } from './issues.js';
import { ContractSchema } from './schema.js';
import { objectKeysAt } from './schema-keys.js';

/** A field the schema does not know, where it was written, and the fields known there. */
export interface UnknownField {
  /** The path of the mapping that holds it (`[]` for the top level). */
  at: Path;
  key: string;
  known: readonly string[];
}

/**
 * The contract's data without the fields this version does not know, at any depth, and those fields
 * (pure): each is a warning, not an error, so a contract written for a newer Baton still runs on an
 * older one. A mapping where the schema expects no fixed keys (a record such as `provides` or
 * `headers`, or no mapping at all) is left as written for the schema to judge.
 */
export function withoutUnknownFields(data: Record<string, unknown>): {
  known: Record<string, unknown>;
  unknown: UnknownField[];
} {
  const unknown: UnknownField[] = [];
  const keysAt = new Map<string, string[]>();
  // A YAML alias can make a value contain itself (`owns: &a [*a]`): one already being walked is left
  // as written, for the schema to judge, instead of being walked for ever.
  const walking = new Set<object>();
  const strip = (value: unknown, path: Path): unknown => {
    if (typeof value !== 'object' || value === null || walking.has(value)) return value;
    walking.add(value);
    try {
      return stripWalked(value, path);
    } finally {
      walking.delete(value);
    }
  };
  const stripWalked = (value: object, path: Path): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => strip(item, [...path, i]));
    // Every element of a list has the same fields: one lookup per shape of path.
    const shape = path.map((s) => (typeof s === 'number' ? '#' : String(s))).join('.');
    let known = keysAt.get(shape);
    if (!known) {
      known = objectKeysAt(ContractSchema, path);
      keysAt.set(shape, known);
    }
    if (known.length === 0) return value;
    const kept: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (known.includes(key)) kept[key] = strip(inner, [...path, key]);
      else unknown.push({ at: path, key, known });
    }
    return kept;
  };
  return { known: strip(data, []) as Record<string, unknown>, unknown };
}
