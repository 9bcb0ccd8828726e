/**
 * git's own words about a conflict on a path no feature changed itself: a file git moved there
 * after a folder the other side renamed (`merge.directoryRenames`), named by the path it came from.
 */
import { git } from '../git/git.js';
import { type MergeMessage, mergeTree } from '../git/merge.js';

/** A commit of a merge, and how messages name it (a feature, a branch). */
export interface NamedCommit {
  commit: string;
  name: string;
}

/** The messages with each commit id in their words replaced by its name (pure). */
export function nameCommits(
  messages: readonly MergeMessage[],
  sides: readonly NamedCommit[],
): MergeMessage[] {
  return messages.map((m) => ({
    ...m,
    text: sides.reduce((text, s) => text.split(s.commit).join(s.name), m.text),
  }));
}

/**
 * git's message about each conflicted file that none of `sides` (each side's changed files) changed
 * itself, when git's messages name it with other paths (pure): what ties the conflict to the
 * features, since the file itself does not.
 */
export function gitTies(
  files: readonly string[],
  sides: ReadonlyArray<readonly string[]>,
  messages: readonly MergeMessage[],
): Record<string, string> {
  const ties: Record<string, string> = {};
  for (const file of files) {
    if (sides.some((changed) => changed.includes(file))) continue;
    const m = messages.find((x) => x.paths.includes(file));
    if (m) ties[file] = m.text;
  }
  return ties;
}

/**
 * git's messages about the merge in progress in `worktree` (of MERGE_HEAD into HEAD), redone in
 * memory (`mergeTree`), with the two commits called by `names`; none when it cannot be redone.
 */
export async function messagesOfMergeInProgress(
  worktree: string,
  names: readonly [string, string],
): Promise<MergeMessage[]> {
  const [ours, theirs] = (await git(worktree, ['rev-parse', 'HEAD', 'MERGE_HEAD'])).split('\n');
  if (ours === undefined || theirs === undefined) return [];
  const merged = await mergeTree(worktree, ours, theirs).catch(() => undefined);
  if (merged === undefined) return [];
  return nameCommits(merged.messages, [
    { commit: ours, name: names[0] },
    { commit: theirs, name: names[1] },
  ]);
}
