/**
 * Dependents built on what a pick takes off a feature's branch. With `--wait-for-deps` a dependent's
 * branch is cut on top of its dependencies' branches, so it carries the winner they held then: after
 * `baton pick` moves the dependency, integration would merge the new winner and, through the
 * dependent, the old one too.
 */
import { isAncestor } from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import { dependentsOf } from '../graph/integration-order.js';
import type { Plan } from '../graph/types.js';

/** Features depending on `featureId` (at any depth, `dependentsOf`) whose branch contains `old`, in plan order. */
export async function dependentsBuiltOn(
  root: string,
  plan: Plan,
  o: { featureId: string; old: string; tips: ReadonlyMap<string, string> },
): Promise<string[]> {
  const built: string[] = [];
  for (const id of dependentsOf(plan, o.featureId, plan.order)) {
    const tip = o.tips.get(featureBranch(id));
    if (tip !== undefined && (await isAncestor(root, o.old, tip))) built.push(id);
  }
  return built;
}

/**
 * How to put dependents back on the pick: drop their branches (their work carries the old attempt, so
 * `clean` needs `--force`) and run them again on top of their dependencies.
 */
export function rebuildLine(ids: readonly string[]): string {
  const list = ids.join(' ');
  return `\`baton clean --force ${list}\` (it drops their work), then \`baton run --wait-for-deps ${list}\` builds them again on the pick`;
}
