/**
 * A fast yes/no test compiled from a zod schema, for the log reader's hot path (a million lines per
 * `baton status`): zod's own parse builds a copy of every value, which doubles the cost of reading a
 * log, and a tree of closures costs 2.5× straight-line code (one generated function per object).
 * The test is derived from the schema, so it cannot drift from it; a schema using anything it does
 * not know compiles to zod's own check. Messages still come from zod, on the rare failures.
 */
import { defOf, type SchemaDef, type z } from '../zod.js';

/** Whether a value fits. */
export type FastTest = (value: unknown) => boolean;

/**
 * Constants the generated code refers to by index (enum sets, nested tests). The code itself is
 * built from the schema's definition only: keys are written as JSON string literals and literal
 * values are plain strings, numbers, booleans or null, so no text from a log line reaches it.
 */
type Constants = unknown[];

function constant(consts: Constants, value: unknown): string {
  consts.push(value);
  return `k[${consts.length - 1}]`;
}

/** A literal's test inline, or undefined for values that `===` would not compare as zod does. */
function literalTest(values: readonly unknown[], v: string): string | undefined {
  const plain = values.every(
    (x) =>
      x === null ||
      typeof x === 'string' ||
      typeof x === 'boolean' ||
      (typeof x === 'number' && Number.isFinite(x)),
  );
  if (!plain || values.length === 0) return undefined;
  return `(${values.map((x) => `${v} === ${JSON.stringify(x)}`).join(' || ')})`;
}

/** A test of the value named `v` as a JavaScript expression, or undefined when unknown. */
function expressionFor(schema: z.ZodMiniType, v: string, consts: Constants): string | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      const checks = def.checks ?? [];
      if (checks.some((c) => c._zod.def.check !== 'min_length')) return undefined;
      const min = Math.max(0, ...checks.map((c) => c._zod.def.minimum ?? 0));
      return min > 0 ? `(typeof ${v} === 'string' && ${v}.length >= ${min})` : `typeof ${v} === 'string'`;
    }
    case 'number':
      return numberTest(def, v);
    case 'boolean':
      return `typeof ${v} === 'boolean'`;
    case 'literal':
      return literalTest(def.values ?? [], v);
    case 'enum':
      return `${constant(consts, new Set(Object.values(def.entries ?? {})))}.has(${v})`;
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && expressionFor(def.innerType, v, consts);
      if (!inner) return undefined;
      return `(${v} === ${def.type === 'optional' ? 'undefined' : 'null'} || ${inner})`;
    }
    case 'array':
    case 'object':
    case 'record': {
      const test = functionFor(def);
      return test ? `${constant(consts, test)}(${v})` : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A number's test: finite (zod's numbers are), a safe integer for `z.int()`, and its bounds (`z.gte`,
 * `z.lte`, `z.positive`…); undefined for any other check or format. A bound is a number of the
 * schema's own, written as a literal.
 */
function numberTest(def: SchemaDef, v: string): string | undefined {
  if (def.format !== undefined && def.format !== 'safeint') return undefined;
  const parts = [
    `typeof ${v} === 'number'`,
    def.format === 'safeint' ? `Number.isSafeInteger(${v})` : `Number.isFinite(${v})`,
  ];
  for (const c of def.checks ?? []) {
    const { check, value, inclusive } = c._zod.def;
    if ((check !== 'greater_than' && check !== 'less_than') || typeof value !== 'number') return undefined;
    if (!Number.isFinite(value)) return undefined;
    const op = `${check === 'greater_than' ? '>' : '<'}${inclusive ? '=' : ''}`;
    parts.push(`${v} ${op} ${JSON.stringify(value)}`);
  }
  return `(${parts.join(' && ')})`;
}

/** The body of a test of `o` for an object, array or record, or undefined when a part is unknown. */
function bodyFor(def: SchemaDef, consts: Constants): string | undefined {
  const notRecord = "if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;";
  if (def.type === 'object') {
    // Only own fields count: a key like `constructor` must not find a prototype's (a value the test
    // refuses still goes to zod, which says why).
    // An object whose prototype is Object.prototype (all JSON.parse makes) or none can only inherit
    // Object.prototype's keys, so any other key is read directly: asking Object.hasOwn of every field
    // cost a cold `status` over 1 M events about 200 ms.
    const lines = [
      notRecord,
      `const p = Object.getPrototypeOf(o), plain = p === null || p === ${constant(consts, Object.prototype)};`,
    ];
    for (const [i, [key, field]] of Object.entries(def.shape ?? {}).entries()) {
      const k = JSON.stringify(key);
      const test = expressionFor(field, `f${i}`, consts);
      if (!test) return undefined;
      const own = `(Object.hasOwn(o, ${k}) ? o[${k}] : undefined)`;
      lines.push(
        `const f${i} = ${key in Object.prototype ? own : `plain ? o[${k}] : ${own}`};`,
        `if (!(${test})) return false;`,
      );
    }
    return [...lines, 'return true;'].join('\n');
  }
  if (def.type === 'array') {
    const test = def.element && expressionFor(def.element, 'e', consts);
    return test && `return Array.isArray(o) && o.every((e) => ${test});`;
  }
  // A record keyed by plain strings: an object (not an array) whose every own value fits.
  const key = def.keyType && defOf(def.keyType);
  if (key?.type !== 'string' || key.checks?.length) return undefined;
  const test = def.valueType && expressionFor(def.valueType, 'e', consts);
  return test && `${notRecord}\nreturn Object.values(o).every((e) => ${test});`;
}

function functionFor(def: SchemaDef): FastTest | undefined {
  const consts: Constants = [];
  const body = bodyFor(def, consts);
  if (body === undefined) return undefined;
  // Straight-line code per schema, which V8 optimises far better than a tree of closures.
  return new Function('k', `return function test(o) {\n${body}\n};`)(consts) as FastTest;
}

/** Compiles a test, or undefined when the schema uses something this compiler does not know. */
export function compileFastTest(schema: z.ZodMiniType): FastTest | undefined {
  const def = defOf(schema);
  if (def.type === 'object' || def.type === 'array' || def.type === 'record') return functionFor(def);
  const consts: Constants = [];
  const test = expressionFor(schema, 'o', consts);
  return test === undefined ? undefined : (new Function('k', `return (o) => ${test};`)(consts) as FastTest);
}

/** The fast test of `schema`: compiled when possible, else zod's own check. */
export function fastTest(schema: z.ZodMiniType): FastTest {
  return compileFastTest(schema) ?? ((v) => schema.safeParse(v).success);
}
