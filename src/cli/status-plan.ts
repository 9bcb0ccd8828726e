/**
 * What `baton status` needs from the plan (the feature order and the worktrees folder), kept in
 * `.baton/cache/status-plan.json` with a stamp of the files it was read from: the config files and
 * the specs folder's entries (inode, size, mtime). While the stamp matches, a warm `status` does not
 * parse contracts or config (no yaml, no zod); any change to those files reads the project again.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../cache-file.js';
import { CONFIG_FILES } from '../config-files.js';
import { stateDirFor } from '../log/paths.js';

/** The plan facts a status view shows. */
export interface StatusPlan {
  root: string;
  ids: string[];
  worktreesDir?: string;
  /** How many criteria each feature's worktree checks run, by id (the m of "checks n/m"). */
  criteria?: Record<string, number>;
}

/** The cache file's format (2: `criteria`). */
const PLAN_CACHE_VERSION = 2;

interface CachedPlan extends StatusPlan {
  version: typeof PLAN_CACHE_VERSION;
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

/** The cached plan facts when the files they came from are unchanged; undefined otherwise. */
export function readStatusPlan(root: string): StatusPlan | undefined {
  try {
    const c = JSON.parse(readFileSync(cachePath(root), 'utf8')) as CachedPlan;
    if (c.version !== PLAN_CACHE_VERSION || c.root !== root || c.stamp !== planStamp(root, c.specs))
      return undefined;
    return {
      root: c.root,
      ids: c.ids,
      ...(c.worktreesDir !== undefined ? { worktreesDir: c.worktreesDir } : {}),
      ...(c.criteria !== undefined ? { criteria: c.criteria } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Keeps the plan facts for the next status (only where Baton already keeps state; errors cost only speed). */
export function writeStatusPlan(plan: StatusPlan, specs: string): void {
  if (!existsSync(stateDirFor(plan.root))) return;
  try {
    const c: CachedPlan = { version: PLAN_CACHE_VERSION, ...plan, specs, stamp: planStamp(plan.root, specs) };
    writeFileAtomic(cachePath(plan.root), JSON.stringify(c));
  } catch {
    // the next status reads the project again
  }
}
