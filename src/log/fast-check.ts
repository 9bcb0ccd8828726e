/**
 * A fast yes/no test compiled from a zod schema, for the log reader's hot path (a million lines per
 * `baton status`): zod's own parse builds a copy of every value, which doubles the cost of reading a
 * log. The test is derived from the schema, so it cannot drift from it; a schema using anything it
 * does not know compiles to zod's own check. Messages still come from zod, on the rare failures.
 */
import type { z } from 'zod';

/** Whether a value fits. */
export type FastTest = (value: unknown) => boolean;

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number } } }>;
  values?: unknown[];
  entries?: Record<string, unknown>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Compiles a test, or undefined when the schema uses something this compiler does not know. */
export function compileFastTest(schema: z.ZodType): FastTest | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      const checks = def.checks ?? [];
      if (checks.some((c) => c._zod.def.check !== 'min_length')) return undefined;
      const min = Math.max(0, ...checks.map((c) => c._zod.def.minimum ?? 0));
      return (v) => typeof v === 'string' && v.length >= min;
    }
    case 'number':
      return def.checks?.length ? undefined : (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'literal': {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return (v) => values.has(v);
    }
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && compileFastTest(def.innerType);
      if (!inner) return undefined;
      return def.type === 'optional' ? (v) => v === undefined || inner(v) : (v) => v === null || inner(v);
    }
    case 'array': {
      const element = def.element && compileFastTest(def.element);
      if (!element) return undefined;
      return (v) => Array.isArray(v) && v.every(element);
    }
    case 'object':
      return compileObject(def.shape ?? {});
    case 'record':
      return compileRecord(def);
    default:
      return undefined;
  }
}

function compileObject(shape: Record<string, z.ZodType>): FastTest | undefined {
  const fields: Array<[string, FastTest]> = [];
  for (const [key, field] of Object.entries(shape)) {
    const test = compileFastTest(field);
    if (!test) return undefined;
    fields.push([key, test]);
  }
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (const [key, test] of fields) {
      // Only own fields count, as zod reads them: a key like `constructor` must not find a prototype's.
      if (!test(Object.hasOwn(record, key) ? record[key] : undefined)) return false;
    }
    return true;
  };
}

/** A record keyed by plain strings: an object (not an array) whose every own value fits. */
function compileRecord(def: Def): FastTest | undefined {
  const key = def.keyType && defOf(def.keyType);
  if (key?.type !== 'string' || key.checks?.length) return undefined;
  const value = def.valueType && compileFastTest(def.valueType);
  if (!value) return undefined;
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    return Object.values(v).every(value);
  };
}

/** The fast test of `schema`: compiled when possible, else zod's own check. */
export function fastTest(schema: z.ZodType): FastTest {
  return compileFastTest(schema) ?? ((v) => schema.safeParse(v).success);
}
