/** The hint of `verify/no-worktree`: what brings back a worktree to verify, or why none is needed. */

import { alreadyInBaseWords } from '../delivered.js';
import { featureBranch } from '../git/refs.js';

/**
 * What to run for features with no worktree: `baton run` for those never run, git for branches left
 * without one; of those whose work the base holds (`delivered`), that nothing is left to verify.
 */
export function noWorktreeHint(
  missing: readonly string[],
  orphaned: ReadonlyMap<string, string>,
  readd: (left: ReadonlyMap<string, string>) => string,
  delivered: { ids: readonly string[]; base: string },
): string {
  const never = missing.filter((id) => !orphaned.has(id) && !delivered.ids.includes(id));
  const hints: string[] = [];
  if (delivered.ids.length > 0) {
    const [one] = delivered.ids;
    hints.push(
      `The work of ${delivered.ids.join(', ')} is ${alreadyInBaseWords(delivered.base, delivered.ids.length)}: ${delivered.ids.length === 1 && one ? `its branch ${featureBranch(one)} is` : 'their branches are'} gone, so nothing of ${delivered.ids.length === 1 ? 'it' : 'them'} is left to verify.`,
    );
  }
  if (never.length > 0) {
    hints.push(`Run \`baton run ${never.join(' ')}\` first; it creates the worktree and runs the agent.`);
  }
  if (orphaned.size > 0) {
    const which =
      orphaned.size === 1
        ? `Its branch ${[...orphaned.values()][0]} is`
        : `The branches of ${[...orphaned.keys()].join(', ')} are`;
    hints.push(
      `${which} still there: check ${orphaned.size === 1 ? 'it' : 'them'} out again with \`${readd(orphaned)}\`, then verify.`,
    );
  }
  return hints.join(' ');
}
