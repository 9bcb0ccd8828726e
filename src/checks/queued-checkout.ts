/**
 * A queued feature's branch checked out on this machine, so `baton verify` runs its checks here. A
 * `baton run --queue` makes no worktree: the work was done on a worker, and `baton/<id>` is only
 * promoted here. Its checks passed there are the worker's word, which `baton integrate` does not take
 * (docs/distributed.md); `baton verify <id>` checks the branch out where a local run would have put
 * its worktree, and checks it.
 */
import { UserError } from '../errors.js';
import { makeFullCheckout } from '../git/full-checkout.js';
import { gitRaw } from '../git/git.js';
import { checkOutSubmodules } from '../git/submodule-checkout.js';
import type { FeatureState } from '../log/state.js';
import { oneLine } from '../text/one-line.js';

/** Whether a feature's branch came from a queue worker (its job completed and was promoted) (pure). */
export function promotedFromQueue(f: Pick<FeatureState, 'queue'> | undefined): boolean {
  return f?.queue?.state === 'completed';
}

/**
 * Checks `branch` out in a new worktree at `path`, with the submodules the main checkout has populated
 * (`checkOutSubmodules`, whose warnings it returns); a path git refuses (a folder there) is `verify/checkout-failed`.
 */
export async function checkOutQueued(root: string, branch: string, path: string): Promise<string[]> {
  const r = await gitRaw(root, ['worktree', 'add', '--quiet', path, branch]);
  if (r.exitCode === 0) {
    await makeFullCheckout(path);
    return checkOutSubmodules(root, path);
  }
  throw new UserError(
    'verify/checkout-failed',
    `could not check ${branch} out at ${path} to verify it here: ${oneLine(r.stderr.trim())}`,
    {
      hint: `Check it out yourself (\`git worktree add <path> ${branch}\`), then run \`baton verify\` again.`,
    },
  );
}
