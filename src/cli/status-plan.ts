/**
 * What `baton status` needs from the plan (the feature order and the worktrees folder), kept in
 * `.baton/cache/status-plan.json` with a stamp of the files it was read from: the config files and
 * the specs folder's entries (inode, size, mtime), and the build of Baton that read them (build-id.ts:
 * another build may read the same files otherwise, e.g. refuse a contract this one accepted). While the
 * stamp matches, a warm `status` does not parse contracts or config (no yaml, no zod); any change to
 * those files, or another Baton, reads the project again.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_ID } from '../build-id.js';
import { writeFileAtomic } from '../cache-file.js';
import { CONFIG_FILES } from '../config-files.js';
import { FEATURE_ID_PATTERN } from '../contracts/feature-id.js';
import type { PlannedCriteria, PlannedCriterion } from '../log/check-reason.js';
import { stateDirFor } from '../log/paths.js';
import { readRegular } from '../open-regular.js';

/** The plan facts a status view shows. */
export interface StatusPlan {
  root: string;
  ids: string[];
  worktreesDir?: string;
  /** The criteria each feature's worktree checks run, by id (their number is the m of "checks n/m"). */
  criteria?: PlannedCriteria;
  /** Each feature's `after: integration` criteria, by id: what its last integration's checks are judged by. */
  integrationCriteria?: PlannedCriteria;
  /** The config's `trust_workers`: checks a worker reported count as passed here. */
  trustWorkers?: boolean;
}

/**
 * The cache file's format (2: `criteria`; 3: `build`; 4: `trustWorkers`; 5: `criteria` id, kind and
 * text; 6: and digest; 7: `integrationCriteria`).
 */
const PLAN_CACHE_VERSION = 7;

interface CachedPlan extends StatusPlan {
  version: typeof PLAN_CACHE_VERSION;
  /** The build of Baton that read the plan (`BUILD_ID`). */
  build: string;
  specs: string;
  stamp: string;
}

function cachePath(root: string): string {
  return join(stateDirFor(root), 'cache', 'status-plan.json');
}

function statKey(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** A stamp of every file the plan is read from: a changed, added or removed one changes it. */
function planStamp(root: string, specs: string): string {
  const parts = CONFIG_FILES.map((name) => `${name}=${statKey(join(root, name))}`);
  parts.push(`specs=${statKey(specs)}`);
  let entries: string[] = [];
  try {
    entries = readdirSync(specs).sort();
  } catch {
    parts.push('unreadable');
  }
  for (const e of entries) {
    const dir = join(specs, e);
    parts.push(`${e}=${statKey(dir)},${statKey(join(dir, 'contract.md'))},${statKey(join(dir, 'spec.md'))}`);
  }
  return parts.join('\n');
}

/**
 * Whether a parsed cache file has the shape Baton writes, its ids of the contracts' id rule: agents can
 * write `.baton/cache/`, and an id from here is shown as a feature.
 */
function isCachedPlan(c: unknown, root: string): c is CachedPlan {
  if (typeof c !== 'object' || c === null) return false;
  const p = c as Partial<Record<keyof CachedPlan, unknown>>;
  if (p.version !== PLAN_CACHE_VERSION || p.build !== BUILD_ID || p.root !== root) return false;
  if (typeof p.specs !== 'string' || typeof p.stamp !== 'string') return false;
  if (!Array.isArray(p.ids) || !p.ids.every((id) => typeof id === 'string' && FEATURE_ID_PATTERN.test(id)))
    return false;
  if (p.worktreesDir !== undefined && typeof p.worktreesDir !== 'string') return false;
  if (p.trustWorkers !== undefined && typeof p.trustWorkers !== 'boolean') return false;
  return isPlannedCriteria(p.criteria) && isPlannedCriteria(p.integrationCriteria);
}

/** Whether a cached record of criteria by feature is absent or has the shape `PlannedCriteria` has. */
function isPlannedCriteria(criteria: unknown): boolean {
  if (criteria === undefined) return true;
  if (typeof criteria !== 'object' || criteria === null || Array.isArray(criteria)) return false;
  return Object.values(criteria).every((list) => Array.isArray(list) && list.every(isPlannedCriterion));
}

const CRITERION_KINDS: ReadonlySet<unknown> = new Set(['run', 'http', 'files', 'unverifiable']);

/** Whether a cached criterion has the shape `PlannedCriterion` has. */
function isPlannedCriterion(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const k = c as Partial<Record<keyof PlannedCriterion, unknown>>;
  return (
    typeof k.id === 'string' &&
    typeof k.text === 'string' &&
    typeof k.digest === 'string' &&
    CRITERION_KINDS.has(k.kind)
  );
}

/**
 * The cached plan facts when the files they came from are unchanged and this build read them; undefined
 * otherwise, and when the cache is not a regular file (a FIFO or symlink planted there is neither waited
 * on nor followed) or not of the shape Baton writes.
 */
export function readStatusPlan(root: string): StatusPlan | undefined {
  try {
    const bytes = readRegular(cachePath(root));
    if (bytes === undefined) return undefined;
    const c: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isCachedPlan(c, root) || c.stamp !== planStamp(root, c.specs)) return undefined;
    return {
      root: c.root,
      ids: c.ids,
      ...(c.worktreesDir !== undefined ? { worktreesDir: c.worktreesDir } : {}),
      ...(c.criteria !== undefined ? { criteria: c.criteria } : {}),
      ...(c.integrationCriteria !== undefined ? { integrationCriteria: c.integrationCriteria } : {}),
      ...(c.trustWorkers !== undefined ? { trustWorkers: c.trustWorkers } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Keeps the plan facts for the next status (only where Baton already keeps state; errors cost only speed). */
export function writeStatusPlan(plan: StatusPlan, specs: string): void {
  if (!existsSync(stateDirFor(plan.root))) return;
  try {
    const c: CachedPlan = {
      version: PLAN_CACHE_VERSION,
      build: BUILD_ID,
      ...plan,
      specs,
      stamp: planStamp(plan.root, specs),
    };
    writeFileAtomic(cachePath(plan.root), JSON.stringify(c));
  } catch {
    // the next status reads the project again
  }
}
