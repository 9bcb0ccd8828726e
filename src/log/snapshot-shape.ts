/**
 * Whether a parsed fold snapshot has the shape the fold and the status views rely on (pure). Any agent
 * can write `.baton/cache/status-fold.json`, so what it holds is checked like a log line before it is
 * used: the ids with the log's own id rule, every feature's fields by type, the problems' texts. The
 * check is structural and by hand (no zod, as the fast path loads none), one pass over the snapshot:
 * cheap next to the fold it saves, even for a log of a million events.
 */
import { FEATURE_ID_PATTERN, isUnitId } from '../contracts/feature-id.js';
import { isObj, isStrings, optionalOf } from '../json-shape.js';
import { FEATURE_STATUSES } from './statuses.js';

const STATUSES: ReadonlySet<unknown> = new Set(FEATURE_STATUSES);
const SELECTS: ReadonlySet<unknown> = new Set([undefined, 'best', 'first-passing']);

const FEATURE_STRINGS = [
  'run_id',
  'agent',
  'branch',
  'base_commit',
  'worktree',
  'log_file',
  'started_at',
  'ended_at',
  'commit',
  'reason',
  'launched_at',
] as const;
const FEATURE_NUMBERS = [
  'port',
  'pid',
  'pgid',
  'attempt',
  'duration_ms',
  'exits_ms',
  'planned_attempts',
  'started_over_at',
] as const;

/** A check result's texts, which every view prints. */
function isCheck(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v.criterion_id === 'string' &&
    typeof v.text === 'string' &&
    typeof v.message === 'string' &&
    typeof v.outcome === 'string'
  );
}

function isChecks(v: unknown): boolean {
  return isObj(v) && Object.values(v).every(isCheck);
}

const ATTEMPT_STRINGS = [
  'agent',
  'branch',
  'worktree',
  'reason',
  'commit',
  'started_at',
  'ended_at',
] as const;

/** An attempt's `checked`: a number of each outcome and their total. */
function isCheckCounts(v: unknown): boolean {
  return isObj(v) && ['passed', 'failed', 'unverifiable', 'total'].every((k) => typeof v[k] === 'number');
}

/** One attempt of a best-of-N feature. */
function isAttempt(v: unknown): boolean {
  if (!isObj(v) || typeof v.attempt !== 'number') return false;
  if (!STATUSES.has(v.status) && v.status !== 'stopped') return false;
  if (v.checked !== undefined && !isCheckCounts(v.checked)) return false;
  return isStrings(v.files) && isObj(v.measured) && optionalOf(v, 'string', ATTEMPT_STRINGS);
}

const COLLISION_KINDS: ReadonlySet<unknown> = new Set(['overlap', 'conflict', 'owned']);

/** A collision a feature is in, which `status` names with its paths. */
function isCollision(v: unknown): boolean {
  if (!isObj(v) || typeof v.with !== 'string' || !COLLISION_KINDS.has(v.kind)) return false;
  return isStrings(v.paths) && typeof v.since === 'string' && typeof v.second === 'boolean';
}

/** One feature's state, filed under `key`, which must be the id it holds and of the id rule `idOk`. */
function isFeature(key: string, v: unknown, idOk: (id: string) => boolean): boolean {
  if (!isObj(v) || v.feature_id !== key || !idOk(key) || !STATUSES.has(v.status)) return false;
  if (!isStrings(v.files) || !isStrings(v.escaped) || typeof v.hooks !== 'number') return false;
  if (
    !isObj(v.collisions) ||
    !Object.values(v.collisions).every(isCollision) ||
    !isChecks(v.checks) ||
    !isChecks(v.integration_checks)
  )
    return false;
  if (!optionalOf(v, 'string', FEATURE_STRINGS) || !optionalOf(v, 'number', FEATURE_NUMBERS)) return false;
  if (v.exit_code !== undefined && v.exit_code !== null && typeof v.exit_code !== 'number') return false;
  if (v.signal !== undefined && v.signal !== null && typeof v.signal !== 'string') return false;
  if (!SELECTS.has(v.planned_select)) return false;
  return v.attempts === undefined || (isObj(v.attempts) && Object.values(v.attempts).every(isAttempt));
}

function isFeatures(v: unknown, idOk: (id: string) => boolean): boolean {
  return isObj(v) && Object.entries(v).every(([k, f]) => isFeature(k, f, idOk));
}

const isFeatureId = (id: string) => FEATURE_ID_PATTERN.test(id);

/** One merge of the integration: the feature, its outcome and the files and features it names. */
function isMerge(v: unknown): boolean {
  if (!isObj(v) || typeof v.feature_id !== 'string' || typeof v.outcome !== 'string') return false;
  if (!isStrings(v.files) || !isStrings(v.with) || typeof v.ts !== 'string') return false;
  return (
    optionalOf(v, 'string', ['reason', 'commit', 'resolved', 'base_lacks_cut']) &&
    optionalOf(v, 'number', ['duration_ms'])
  );
}

/** One test after a merge. */
function isTest(v: unknown): boolean {
  if (!isObj(v) || typeof v.after_feature !== 'string' || typeof v.passed !== 'boolean') return false;
  if (v.exit_code !== null && typeof v.exit_code !== 'number') return false;
  return typeof v.ts === 'string' && optionalOf(v, 'string', ['left']);
}

function isIntegration(v: unknown): boolean {
  if (!isObj(v) || !isStrings(v.order)) return false;
  return (
    Array.isArray(v.merges) && v.merges.every(isMerge) && Array.isArray(v.tests) && v.tests.every(isTest)
  );
}

/** A named phase with its start and end. */
function isPhase(v: unknown): boolean {
  return isObj(v) && typeof v.name === 'string' && optionalOf(v, 'string', ['started_at', 'ended_at']);
}

/** A run's queue: absent, or its URL and git hub. */
function isQueue(q: unknown): boolean {
  return q === undefined || (isObj(q) && typeof q.url === 'string' && typeof q.hub === 'string');
}

/** A run that started and has not ended: its id, orchestrator pid and start, its queue when queued. */
function isOpenRun(v: unknown): boolean {
  if (!isObj(v) || typeof v.run_id !== 'string' || typeof v.pid !== 'number') return false;
  return typeof v.started_at === 'string' && isQueue(v.queue);
}

/** A place in the fold: a count of events. */
function isCount(v: unknown): boolean {
  return typeof v === 'number';
}

/** The fold state's top level: its ids, its features and what the views read of the rest. */
function isState(v: unknown): boolean {
  if (!isObj(v) || typeof v.events !== 'number') return false;
  if (!Array.isArray(v.phases) || !v.phases.every(isPhase)) return false;
  if (!isStrings(v.run_feature_ids) || !v.run_feature_ids.every(isFeatureId)) return false;
  if (!isFeatures(v.features, isFeatureId) || !isIntegration(v.integration)) return false;
  if (v.attempt_units !== undefined && !isFeatures(v.attempt_units, isUnitId)) return false;
  if (v.escaped_unknown !== undefined && !isStrings(v.escaped_unknown)) return false;
  if (v.open_runs !== undefined && !(Array.isArray(v.open_runs) && v.open_runs.every(isOpenRun)))
    return false;
  if (!isQueue(v.run_queue)) return false;
  if (v.run_starts !== undefined && !(isObj(v.run_starts) && Object.values(v.run_starts).every(isCount)))
    return false;
  return optionalOf(v, 'string', ['run_id', 'run_started_at', 'run_ended_at', 'base', 'base_commit']);
}

function isProblem(v: unknown): boolean {
  return (
    isObj(v) && typeof v.line === 'number' && typeof v.message === 'string' && typeof v.text === 'string'
  );
}

/** Whether `v`, parsed from the snapshot file, is a snapshot of `version` Baton could have written. */
export function isFoldSnapshot(v: unknown, version: number): boolean {
  if (!isObj(v) || v.version !== version || typeof v.ino !== 'number' || typeof v.line !== 'number')
    return false;
  if (typeof v.offset !== 'number' || typeof v.size !== 'number' || typeof v.mtimeMs !== 'number')
    return false;
  if (typeof v.stamp !== 'string' || typeof v.hash !== 'string') return false;
  if (typeof v.problem_count !== 'number') return false;
  return Array.isArray(v.problems) && v.problems.every(isProblem) && isState(v.state);
}
