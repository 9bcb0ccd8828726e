/**
 * A conflict met again after the user resolved it once (`--fresh` after a partial outcome): git
 * rerere, on for integration's merges (`RERERE_CONFIG`), resolved it with that recorded resolution
 * and staged it. Baton takes it only once git shows nothing left to resolve.
 */
import { commitMerge } from '../git/integration-merge.js';
import { filesWithConflictMarkers, unmergedPaths } from '../git/merge.js';
import { escapeControl } from '../text/escape.js';

/** Words for a merge resolved by a resolution recorded earlier, as the output and the docs say them. */
export const REUSED_WORDS = 'resolved by your earlier resolution (git rerere)';

/**
 * Commits the merge in progress in `wt` that rerere resolved, when no path is left unmerged and none
 * of `files` holds a conflict marker; its commit, or undefined (then it stops as a conflict).
 */
export async function commitReused(wt: string, files: readonly string[]): Promise<string | undefined> {
  if ((await unmergedPaths(wt)).length > 0) return undefined;
  if (filesWithConflictMarkers(wt, [...files]).length > 0) return undefined;
  return commitMerge(wt);
}

/** The note for paths rerere resolved (and staged) in a merge that still stops at other paths. */
export function reusedNote(id: string, reused: readonly string[]): string {
  return escapeControl(
    `${id}: ${reused.join(', ')} conflicted too and ${reused.length === 1 ? 'was' : 'were'} ${REUSED_WORDS}, and staged; check ${reused.length === 1 ? 'it' : 'them'} before you go on`,
  );
}
