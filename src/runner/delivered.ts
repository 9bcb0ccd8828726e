/** Refusals of a run's base (`runBase`, in src/delivered.ts with the rule of delivered work). */
import { batonBranchOfBase } from '../clean/base.js';
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

/**
 * The refusal of a run whose named base (`--base`, else the config's `base`) is one of Baton's branches
 * (`batonBranchOfBase`, the rule `baton clean` refuses such a base by), else undefined: the features
 * would be cut from work Baton itself moves and deletes, and judged delivered against it.
 */
export async function batonBaseError(
  root: string,
  base: string | undefined,
  config: { base?: string | undefined; file?: string | undefined },
): Promise<UserError | undefined> {
  const named = base ?? config.base;
  if (named === undefined) return undefined;
  const branch = await batonBranchOfBase(root, named);
  if (branch === undefined) return undefined;
  const where = base === undefined ? ` (\`base\` in ${configFileName(config.file)})` : '';
  return new UserError(
    'run/bad-base',
    `the base "${named}"${where} is ${branch === named ? '' : `${branch}, `}a Baton branch: the features' branches would be cut from work Baton itself moves and deletes, not from yours`,
    {
      hint:
        base === undefined
          ? `Set \`base\` in ${configFileName(config.file)} to your own branch (git branch lists them), or pass --base <branch> for one run.`
          : 'Pass --base <branch> naming your own branch, the one the features build on (git branch lists them).',
    },
  );
}
