/**
 * The base `baton clean` judges "merged" against, and the one rule that refuses a base Baton owns:
 * judged against one of Baton's own branches, every branch merged only there (and that branch itself)
 * would count as merged and be deleted, its work left on no ref.
 */
import { configFileName } from '../config-files.js';
import { UserError } from '../errors.js';
import { type BranchInProgress, howToEnd, inProgressWords } from '../git/branch-in-progress.js';
import { refsHoldingOutsideBaton } from '../git/branches.js';
import { currentBranch, gitRaw, resolveCommit } from '../git/git.js';
import { isBatonBranch } from '../git/refs.js';
import { noHeadCommit } from '../git/unborn-head.js';

/** The refs of the user's that keep a commit: a base held by none of them keeps nothing once Baton's branches go. */
const USER_REFS = ['refs/heads/', 'refs/remotes/', 'refs/tags/'] as const;

/**
 * The base "merged" is judged against: the one named, which must exist and be no Baton branch
 * (`namedBatonBranch`) nor a commit only Baton's branches hold; else the branch the main checkout is
 * on, unless it is detached or on a Baton branch (`baton/*`, the integration branch included): judged
 * against that, a branch merged only there, or the one checked out, would count as merged and be
 * deleted, or on an orphan branch in a repository with commits (`noHeadCommit`'s words): counted
 * against no base, every commit would be "not merged". In a repository with no commit yet the unborn
 * branch has no commit (nothing counts as merged into it). A refusal's hint names
 * `configFile`, the config file read, where the base may be set.
 */
export async function resolveBase(
  mainPath: string,
  base: string | undefined,
  o: { inProgress: readonly BranchInProgress[]; configFile?: string | undefined },
): Promise<{ name: string; commit: string | undefined } | { problem: UserError }> {
  const { inProgress, configFile } = o;
  if (base !== undefined) return resolveNamedBase(mainPath, base, configFile);
  const branch = await currentBranch(mainPath);
  if (branch === undefined) {
    // Mid-rebase or mid-bisect the HEAD is detached: switching away is not the way out.
    const held = inProgress.find((p) => p.main);
    if (held) {
      const problem = new UserError(
        'clean/no-base',
        `your main checkout ${mainPath} is on a detached HEAD because ${inProgressWords(held, held.branch)}: clean cannot tell what is merged until it ends`,
        { hint: `${howToEnd(held)} first, or pass --base ${held.branch}.` },
      );
      return { problem };
    }
  }
  if (branch === undefined || isBatonBranch(branch)) {
    const on = branch === undefined ? 'a detached HEAD' : `${branch}, a Baton branch`;
    const problem = new UserError(
      'clean/no-base',
      `your main checkout ${mainPath} is on ${on}, not on your base branch: clean cannot tell what is merged`,
      { hint: 'Check out your own branch there (git switch <branch>), or pass --base <branch>.' },
    );
    return { problem };
  }
  const commit = await resolveCommit(mainPath, branch);
  const why = commit === undefined ? await noHeadCommit(mainPath) : undefined;
  if (why?.orphan !== undefined) {
    // Counted against no base, the commits the user's branches hold would all be "not merged".
    const problem = new UserError(
      'clean/no-base',
      `your main checkout ${mainPath} is not on your base branch: ${why.message}; clean cannot tell what is merged`,
      { hint: why.hint },
    );
    return { problem };
  }
  return { name: branch, commit };
}

/** The hint for a base Baton owns: name the user's own branch, by flag or in the config file read. */
function nameYours(configFile: string | undefined): string {
  return `Name your own branch, the one Baton's work is merged into: --base <branch>, or "base" in ${configFileName(configFile)} (git branch lists them).`;
}

/** A base named with `--base` or the config's `base`: it must be a commit, and not Baton's alone. */
async function resolveNamedBase(
  mainPath: string,
  base: string,
  configFile: string | undefined,
): Promise<{ name: string; commit: string } | { problem: UserError }> {
  const commit = await resolveCommit(mainPath, base);
  if (!commit) {
    const problem = new UserError(
      'clean/bad-base',
      `the base "${base}" is not a commit in this repository: clean cannot tell what is merged into it`,
      {
        hint: `Name an existing branch: --base <branch>, or "base" in ${configFileName(configFile)} (git branch lists them).`,
      },
    );
    return { problem };
  }
  const full = await symbolicFullName(mainPath, base);
  const batonBranch = namedBatonBranch(base, full);
  if (batonBranch !== undefined) {
    const problem = new UserError(
      'clean/bad-base',
      `the base "${base}" is ${batonBranch === base ? '' : `${batonBranch}, `}a Baton branch: judged against it, every branch merged only there (and ${batonBranch} itself) would count as merged and be deleted`,
      { hint: nameYours(configFile) },
    );
    return { problem };
  }
  // A commit rather than a ref (a sha, an expression, a detached HEAD): judged against one only
  // Baton's branches hold, the work merged into it would be left on no ref once they go.
  if (full === undefined || !full.startsWith('refs/')) {
    const holders = await refsHoldingOutsideBaton(mainPath, commit, USER_REFS);
    if (holders.length === 0) {
      const problem = new UserError(
        'clean/bad-base',
        `the base "${base}" is commit ${commit.slice(0, 12)}, which no branch, tag or remote-tracking branch of yours holds: judged against it, the work merged into it would be left on no ref once Baton's branches are deleted`,
        { hint: nameYours(configFile) },
      );
      return { problem };
    }
  }
  return { name: base, commit };
}

/**
 * The Baton branch a named base stands for (pure): the branch git resolves it to (`full`, as `git
 * rev-parse --symbolic-full-name` says it: `heads/baton/x` and `HEAD` on `baton/x` included), or the
 * name as typed (`baton/x~1`, or a `baton/x` a tag makes ambiguous); undefined for any other base.
 */
export function namedBatonBranch(base: string, full: string | undefined): string | undefined {
  const short = (name: string) =>
    name.startsWith('refs/heads/')
      ? name.slice('refs/heads/'.length)
      : name.startsWith('heads/')
        ? name.slice('heads/'.length)
        : name;
  if (full?.startsWith('refs/heads/') && isBatonBranch(short(full))) return short(full);
  if (isBatonBranch(short(base))) return short(base).replace(/[~^@:].*$/, '');
  return undefined;
}

/**
 * The Baton branch a named base stands for in the repository at `cwd` (`namedBatonBranch` on the ref
 * git resolves it to), else undefined: the one rule by which clean, run and integrate refuse a base.
 */
export async function batonBranchOfBase(cwd: string, base: string): Promise<string | undefined> {
  return namedBatonBranch(base, await symbolicFullName(cwd, base));
}

/** What a refused Baton-branch base would have done, in the words of the command refusing it. */
const BATON_BASE_WORDS = {
  run: {
    code: 'run/bad-base',
    harm: "the features' branches would be cut from work Baton itself moves and deletes, not from yours",
    once: 'one run',
    role: 'the one the features build on',
  },
  integrate: {
    code: 'integrate/bad-base',
    harm: 'the integration would be built on work Baton itself moves and deletes, not on yours',
    once: 'one integration',
    role: 'the one the features are merged onto',
  },
} as const;

/**
 * The refusal of a `command` whose named base (`flagBase`, else the config's `base`, named with its
 * file) is one of Baton's branches (`batonBranchOfBase`), else undefined: run's preflight (local and
 * queued), its nothing-to-run path, doctor and integrate all refuse by it.
 */
export async function batonBaseRefusal(
  root: string,
  flagBase: string | undefined,
  config: { base?: string | undefined; file?: string | undefined },
  command: keyof typeof BATON_BASE_WORDS,
): Promise<UserError | undefined> {
  const named = flagBase ?? config.base;
  const branch = named === undefined ? undefined : await batonBranchOfBase(root, named);
  if (named === undefined || branch === undefined) return undefined;
  const words = BATON_BASE_WORDS[command];
  const file = configFileName(config.file);
  return new UserError(
    words.code,
    `the base "${named}"${flagBase === undefined ? ` (\`base\` in ${file})` : ''} is ${branch === named ? '' : `${branch}, `}a Baton branch: ${words.harm}`,
    {
      hint:
        flagBase === undefined
          ? `Set \`base\` in ${file} to your own branch (git branch lists them), or pass --base <branch> for ${words.once}.`
          : `Pass --base <branch> naming your own branch, ${words.role} (git branch lists them).`,
    },
  );
}

/** The full ref name git resolves `name` to (`refs/heads/main`), `HEAD` for a detached one, else undefined. */
async function symbolicFullName(cwd: string, name: string): Promise<string | undefined> {
  // `name` resolved as a commit already (`resolveCommit`), so it is no option. git 2.39's rev-parse
  // would echo an `--end-of-options`.
  const r = await gitRaw(cwd, ['rev-parse', '--symbolic-full-name', name]);
  const out = r.stdout.trim();
  return r.exitCode === 0 && out !== '' ? out : undefined;
}
