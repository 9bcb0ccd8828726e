import { UserError } from '../errors.js';
import { resolveCommit } from '../git/git.js';
import { noHeadCommit } from '../git/unborn-head.js';

/**
 * Why integration's base `baseRef` is not a commit, as the error to give: a repository without commits
 * is told to make one, a base HEAD on an orphan branch is told so (`noHeadCommit`'s words), any other
 * ref that it names no commit here.
 */
export async function unresolvedBaseError(root: string, baseRef: string): Promise<UserError> {
  const noHead = (await resolveCommit(root, 'HEAD')) ? undefined : await noHeadCommit(root);
  if (noHead && noHead.orphan === undefined) {
    return new UserError('integrate/no-commits', `${noHead.message}, so there is nothing to integrate onto`, {
      hint: noHead.hint,
    });
  }
  if (noHead && baseRef === 'HEAD') {
    return new UserError('integrate/bad-base', `the base "HEAD" is not a commit: ${noHead.message}`, {
      hint: noHead.hint,
    });
  }
  return new UserError('integrate/bad-base', `the base "${baseRef}" is not a commit in this repository`, {
    hint: 'Pass --base <branch or commit>, or fix `base` in the config.',
  });
}
