import { configFileName } from '../config-files.js';
import { runBase } from '../delivered.js';
import { UserError } from '../errors.js';
import { noHeadCommit } from '../git/unborn-head.js';

/**
 * The refusal of a run whose base is not a commit, with the fix where the base came from: `--base`, the
 * config's `base` (named with its file), or HEAD with no commit (`noHeadCommit` says why: no commit
 * yet, or an orphan branch) in the repository at `root`.
 */
export async function badBaseError(
  root: string,
  base: string | undefined,
  config: { base?: string | undefined; file?: string | undefined },
): Promise<UserError> {
  const ref = runBase(base, config);
  const message = `the base "${ref}" is not a commit in this repository`;
  if (base === undefined && config.base !== undefined) {
    const file = configFileName(config.file);
    return new UserError('run/bad-base', `${message} (\`base\` in ${file})`, {
      hint: `Set \`base\` in ${file} to a branch or commit that exists (git branch -a lists the branches), or remove it to start from HEAD; --base <branch or commit> overrides it for one run.`,
    });
  }
  if (ref === 'HEAD') {
    const why = await noHeadCommit(root);
    return new UserError('run/bad-base', `${message}: ${why.message}`, { hint: why.hint });
  }
  return new UserError('run/bad-base', message, { hint: 'Pass --base <branch or commit>.' });
}
