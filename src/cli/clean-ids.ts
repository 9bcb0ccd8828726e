/** The ids `baton clean` is given, checked the one way for its worktrees and for its backup refs. */

import type { CleanTarget } from '../clean/inspect.js';
import type { Config } from '../config-schema.js';
import { listWorktrees, type WorktreeInfo, worktreeAt } from '../git/worktree-list.js';
import { loadProject, unknownFeaturesError } from '../project.js';
import { ownPlaceRefusal } from '../runner/worktrees-folder.js';
import { unitWorktree } from '../unit-worktree.js';
import type { CliContext } from './context.js';

/** Feature ids the plan knows, when the contracts load (clean works from git alone otherwise). */
export async function planIds(cwd: string): Promise<string[]> {
  try {
    return [...(await loadProject(cwd)).plan.order];
  } catch {
    return [];
  }
}

/** Refuses ids that are not among `known` (`features/unknown`), listing the known ones. */
export function refuseUnknownIds(ids: readonly string[], known: readonly string[]): void {
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw unknownFeaturesError(
      unknown,
      known,
      'Run `baton status` to list the features and their worktrees.',
    );
  }
}

/**
 * Of the named ids clean found nothing of, those whose worktree folder (where Baton puts it) is a
 * worktree on a detached HEAD: git ties it to no `baton/*` branch, so clean leaves it, and says so.
 */
export async function detachedAt(
  root: string,
  worktreesDir: string,
  absent: readonly string[],
): Promise<Map<string, WorktreeInfo>> {
  const out = new Map<string, WorktreeInfo>();
  if (absent.length === 0) return out;
  const listed = (await listWorktrees(root)).slice(1);
  for (const id of absent) {
    const w = worktreeAt(listed, unitWorktree(worktreesDir, id));
    if (w && w.branch === undefined) out.set(id, w);
  }
  return out;
}

/** Picks the targets the ids name, a feature's best-of-N attempts with it (all but integration when none; it too with --all). */
export function selectTargets(
  targets: readonly CleanTarget[],
  ids: readonly string[],
  known: readonly string[],
  all: boolean,
): { selected: CleanTarget[]; absent: string[] } {
  if (ids.length === 0) {
    return { selected: targets.filter((t) => t.kind !== 'integration' || all), absent: [] };
  }
  refuseUnknownIds(ids, known);
  const wanted = new Set(ids);
  const named = (t: CleanTarget) =>
    wanted.has(t.id) || (t.attempt !== undefined && wanted.has(t.attempt.featureId));
  return {
    selected: targets.filter(named),
    absent: ids.filter((id) => !targets.some((t) => t.id === id || t.attempt?.featureId === id)),
  };
}

/**
 * The worktrees folder clean looks in for leftover worktrees: none when it is in `.baton` or `.git`
 * (refused by run since, `ownPlaceRefusal`), which is said; none of the folders of Baton's or git's
 * there is then taken for a feature's leftover worktree (`.baton/runs` for a feature `runs`).
 */
export async function worktreesToLookIn(
  root: string,
  ctx: CliContext,
  config: Pick<Config, 'worktrees' | 'file'>,
): Promise<{ worktrees?: string }> {
  const ownPlace = await ownPlaceRefusal(root, config);
  if (!ownPlace) return { worktrees: config.worktrees };
  ctx.stderr.write(`baton clean: ${ownPlace.message}; no folder there is taken for a leftover worktree\n`);
  return {};
}
