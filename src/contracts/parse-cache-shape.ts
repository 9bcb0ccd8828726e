/**
 * Whether an entry read from the contracts' parse cache has the shape a parse Baton wrote has (pure).
 * Any process running as the user can write `.baton/cache/contracts.json`, so an entry is checked
 * before it is served: its `feature_id` by the id rule (it becomes a branch and a folder name), every
 * list and text by type, so no command meets an `owns` of 5 or a `depends_on` of null. An entry that
 * fails is a cache miss: the contract is parsed again from its file.
 */
import type { Result } from '../errors.js';
import { RESERVED_IDS } from '../git/refs.js';
import { isObj, isStrings, type Obj, optionalOf } from '../json-shape.js';
import { FEATURE_ID_PATTERN } from './feature-id.js';
import type { Contract } from './schema.js';

/** A successful parse, as the cache keeps it. */
export type CachedParse = Extract<Result<Contract>, { ok: true }>;

const KINDS: ReadonlySet<unknown> = new Set(['run', 'http', 'files', 'unverifiable']);
const SEVERITIES: ReadonlySet<unknown> = new Set(['error', 'warning']);
const OWNS_POLICIES: ReadonlySet<unknown> = new Set([undefined, 'strict', 'warn']);
const SELECTS: ReadonlySet<unknown> = new Set([undefined, 'best', 'first-passing']);

/** A warning of the parse, which every command prints. */
function isDiagnostic(v: unknown): boolean {
  if (!isObj(v) || !SEVERITIES.has(v.severity) || typeof v.code !== 'string') return false;
  if (typeof v.message !== 'string' || !optionalOf(v, 'string', ['source', 'hint'])) return false;
  const at = v.location;
  return (
    at === undefined ||
    (isObj(at) && typeof at.file === 'string' && optionalOf(at, 'number', ['line', 'column']))
  );
}

/** One normalised criterion: an id, a text and a kind, its check's fields of their types. */
function isCriterion(v: unknown): boolean {
  if (!isObj(v) || typeof v.id !== 'string' || typeof v.text !== 'string' || !KINDS.has(v.kind)) return false;
  if (!optionalOf(v, 'string', ['run']) || !optionalOf(v, 'number', ['timeout_s'])) return false;
  if (v.after !== undefined && v.after !== 'integration') return false;
  const { http, files } = v;
  if (http !== undefined && !(isObj(http) && typeof http.url === 'string')) return false;
  return files === undefined || (isObj(files) && (files.exist === undefined || isStrings(files.exist)));
}

/** An agent as a contract names it: an adapter name, a command, or a name with arguments. */
function isAgent(v: unknown): boolean {
  if (typeof v === 'string') return true;
  if (!isObj(v)) return false;
  if (typeof v.command === 'string') return true;
  return typeof v.name === 'string' && (v.args === undefined || isStrings(v.args));
}

function isPositions(v: unknown): boolean {
  return (
    isObj(v) &&
    Object.values(v).every(
      (p) =>
        isObj(p) &&
        typeof p.line === 'number' &&
        typeof p.column === 'number' &&
        typeof p.source === 'string',
    )
  );
}

/** The optional fields of a contract, each absent or of its type. */
function hasOptionals(c: Obj): boolean {
  if (!optionalOf(c, 'string', ['serve', 'spec']) || !optionalOf(c, 'boolean', ['interactive'])) return false;
  if (!optionalOf(c, 'number', ['estimate_minutes', 'timeout_minutes', 'retries'])) return false;
  if (!OWNS_POLICIES.has(c.owns_policy) || !SELECTS.has(c.select)) return false;
  if (c.agent !== undefined && !isAgent(c.agent)) return false;
  const n = c.attempts;
  if (n !== undefined && typeof n !== 'number' && !(Array.isArray(n) && n.every(isAgent))) return false;
  return c.positions === undefined || isPositions(c.positions);
}

/** A validated, normalised contract (`Contract`): the id by its rule, every list present and typed. */
function isContract(v: unknown): boolean {
  if (!isObj(v) || typeof v.feature_id !== 'string') return false;
  if (!FEATURE_ID_PATTERN.test(v.feature_id) || RESERVED_IDS.has(v.feature_id)) return false;
  if (typeof v.title !== 'string' || typeof v.body !== 'string' || typeof v.file !== 'string') return false;
  if (!isObj(v.provides) || !Object.values(v.provides).every(isStrings) || !isStrings(v.owns)) return false;
  const deps = v.depends_on;
  if (!isObj(deps) || !isStrings(deps.features) || !isStrings(deps.services)) return false;
  if (!Array.isArray(v.acceptance_criteria) || !v.acceptance_criteria.every(isCriterion)) return false;
  return hasOptionals(v);
}

/** Whether `v`, read from the parse cache, is a successful parse Baton could have written. */
export function isCachedParse(v: unknown): v is CachedParse {
  return (
    isObj(v) &&
    v.ok === true &&
    Array.isArray(v.warnings) &&
    v.warnings.every(isDiagnostic) &&
    isContract(v.value)
  );
}
