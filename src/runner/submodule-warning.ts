/**
 * Baton's worktrees check out the submodules the main checkout has populated, from its own copy
 * (`checkOutSubmodules`); the others stay an empty folder there. A run says so once, at its start,
 * naming those, so an agent's work that needs one, or a criterion, is not a surprise (and `baton
 * clean` keeps files written in such a folder).
 */
import { submodulesLeftEmpty } from '../git/submodule-checkout.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';

/**
 * The warning for the submodules `.gitmodules` names in the main checkout `root` that it has not
 * populated, or undefined when there are none (no git process is spent without a `.gitmodules`:
 * most repositories have none).
 */
export async function submoduleWarning(root: string): Promise<string | undefined> {
  const paths = (await submodulesLeftEmpty(root)).map((p) => escapeControl(p));
  if (paths.length === 0) return undefined;
  const one = paths.length === 1;
  return `submodule${one ? '' : 's'} ${someOf(paths, 5)} ${one ? 'is' : 'are'} not checked out in your checkout, so Baton's worktrees leave ${one ? 'it' : 'them'} empty too: an agent's files written in one are not committed, and a criterion that needs one fails; check ${one ? 'it' : 'them'} out in your checkout (git submodule update --init <path>) and the next run's worktrees get ${one ? 'it' : 'them'} from there`;
}
