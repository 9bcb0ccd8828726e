/** The ids `baton clean` is given, checked the one way for its worktrees and for its backup refs. */

import { loadProject, unknownFeaturesError } from '../project.js';

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
