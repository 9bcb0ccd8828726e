import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import {
  HIDDEN_ARGS,
  type HiddenEntry,
  hidingEntries,
  nameHidden,
  unhideAndRestore,
  unhideCommand,
} from '../checks/checkout-probe.js';
import { UserError } from '../errors.js';
import { makeFullCheckout } from '../git/full-checkout.js';
import { addWorktree, branchExists, git, isAncestor } from '../git/git.js';
import { addWorktreeForBranch, commitsOnlyOn, mergeInProgress } from '../git/merge.js';
import { INTEGRATION_BACKUP_PREFIX } from '../git/refs.js';
import { gitSequence } from '../git/sequence.js';
import { parsePorcelainStatus, STATUS_ARGS } from '../git/status.js';
import { listWorktrees } from '../git/worktree-list.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import { TEST_FROM_LOG } from './continue-command.js';
import { provenIntegrationWorktree } from './worktree-proof.js';

/** The integration worktree, ready for the first merge. */
export interface IntegrationWorktree {
  path: string;
  /** True when the worktree (and maybe the branch) was made now. */
  created: boolean;
  /** Where an earlier result was kept when `--fresh` started over. */
  backup?: string;
  /** Files an earlier test or criterion hid behind index flags, put back before the reset (`clearHiddenEntries`). */
  unhidden?: string[];
}

/** Options of `prepareIntegrationWorktree`. */
export interface PrepareOptions {
  /** The main checkout. */
  root: string;
  /** Where the worktree goes when there is none yet. */
  path: string;
  branch: string;
  /** The base commit integration starts from. */
  base: string;
  /** Start over when the branch already holds an earlier integration. */
  fresh: boolean;
  /** Names the backup ref of an earlier result (a timestamp). */
  stamp: string;
  /**
   * The `baton integrate --continue …` that would go on with the earlier result (it stopped at a
   * conflict, was interrupted, or ended clean having moved no branch and `--into` is asked), so the refusal offers it
   * only then; asked only when refusing.
   */
  continueCommand: () => ContinueOffer | undefined;
  /** The `baton integrate --fresh …` that starts this invocation over, its `--test` and `--into` kept. */
  freshCommand: string;
}

/** The `--continue` a refusal offers, and whether its test command is only the log's word. */
export interface ContinueOffer {
  command: string;
  /** Its `--test` is read from the log, not given to this command: the user reads it before running it. */
  testFromLog?: boolean;
  /** The `--fresh` offered beside it: this command's, with the `--test` and `--into` the continue carries when it gave none. */
  fresh?: ContinueOffer;
}

/** The offer as the hint writes it: the command, and a word of caution when the log named its test. */
function offered(offer: ContinueOffer): string {
  return `\`${offer.command}\`${offer.testFromLog ? TEST_FROM_LOG : ''}`;
}

/** The earlier-result refusal's hint: go on with it when that can happen, and start over always. */
function continueHint(offer: ContinueOffer | undefined, fresh: string): string {
  return offer
    ? `Run ${offered(offer)} to go on with it, or ${fresh}.`
    : `It is not stopped at a conflict, so there is nothing to continue: run ${fresh}.`;
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/**
 * Gets the integration branch into a worktree of its own, at `base`, without touching the user's
 * checkout: creates both when missing, reuses them when the branch holds nothing beyond the base,
 * and refuses (with what to run) when it holds an earlier result, unless `fresh`. Even then it
 * keeps the old tip under `refs/baton/integration-backup/`, and it never discards commits made by
 * hand on the branch or a merge someone is resolving.
 */
export async function prepareIntegrationWorktree(options: PrepareOptions): Promise<IntegrationWorktree> {
  const { root, branch, base } = options;
  let worktrees = await listWorktrees(root);
  const main = worktrees[0];
  let holder = worktrees.find((w) => w.branch === branch);
  if (holder && main && samePath(holder.path, main.path)) {
    throw new UserError(
      'integrate/branch-checked-out',
      `${branch} is checked out in your checkout ${main.path}`,
      {
        hint: `Baton integrates in a worktree of its own and never in yours: switch your checkout to another branch (git switch -) and run again.`,
      },
    );
  }
  if (holder?.prunable) {
    // Its folder was deleted by hand; forget the stale registration so the branch can be checked out again.
    await git(root, ['worktree', 'prune']);
    worktrees = await listWorktrees(root);
    holder = worktrees.find((w) => w.branch === branch);
  }

  if (!(await branchExists(root, branch))) {
    assertFreeFolder(
      options.path,
      worktrees.map((w) => w.path),
    );
    await addWorktree(root, { path: options.path, branch, base });
    await makeFullCheckout(options.path);
    return { path: options.path, created: true };
  }

  // An existing one is worked in (reset, merged in) only once proven to be this repository's.
  let path = holder ? await provenIntegrationWorktree(root, branch, options.freshCommand) : undefined;
  let created = false;
  if (path === undefined) {
    assertFreeFolder(
      options.path,
      worktrees.map((w) => w.path),
    );
    await addWorktreeForBranch(root, options.path, branch);
    path = options.path;
    created = true;
  }

  const tip = await git(root, ['rev-parse', `refs/heads/${branch}`]);
  const beyondBase = !(await isAncestor(root, tip, base));
  // Moved back to the base (no result beyond it, or `--fresh`): a test's hidden files go too.
  const cleared = await assertIdle(path, options, !beyondBase || options.fresh);
  const unhidden = cleared.length > 0 ? { unhidden: cleared } : {};

  if (!beyondBase) {
    // Nothing beyond the base: moving it to the base loses nothing.
    if (tip !== base) await git(path, ['reset', '--keep', '--quiet', base]);
    return { path, created, ...unhidden };
  }
  if (!options.fresh) {
    const offer = options.continueCommand();
    const fresh = `${offered(offer?.fresh ?? { command: options.freshCommand })} to start over from the base (the old result is kept under refs/baton/integration-backup/)`;
    throw new UserError(
      'integrate/earlier-result',
      `${branch} already holds an earlier integration (tip ${tip.slice(0, 10)}, in ${path})`,
      { hint: continueHint(offer, fresh) },
    );
  }
  const backup = await keepEarlierResult(options, tip, path);
  await git(path, ['reset', '--keep', '--quiet', base]);
  return { path, created, backup, ...unhidden };
}

/**
 * Refuses when the integration worktree is mid-merge or has uncommitted changes to tracked files;
 * when it is `toBeReset`, the files a test or criterion hid behind index flags are put back first
 * (their paths returned).
 */
async function assertIdle(
  path: string,
  options: Pick<PrepareOptions, 'continueCommand' | 'freshCommand'>,
  toBeReset: boolean,
): Promise<string[]> {
  if (await mergeInProgress(path)) {
    const next = options.continueCommand() ?? { command: 'baton integrate --continue' };
    const fresh = offered(next.fresh ?? { command: options.freshCommand });
    throw new UserError(
      'integrate/merge-in-progress',
      `the integration in ${path} is stopped at a merge conflict`,
      {
        hint: `Resolve it and run ${offered(next)}; or discard it yourself (git -C ${printableArg(path)} merge --abort) and run ${fresh}.`,
      },
    );
  }
  const cleared = toBeReset ? await clearHiddenEntries(path) : [];
  await assertNoUncommittedChanges(path);
  return cleared;
}

/**
 * What is not committed in a worktree: changed tracked files and untracked files git does not ignore,
 * each file named (no folder collapsed), and the index entries that hide a file's copy from `git status`
 * (skip-worktree, assume-unchanged: `hidingEntries`), in one process (`git status`, `git ls-files -v`).
 */
export async function worktreeChanges(path: string): Promise<WorktreeChanges> {
  const [status, listed] = await gitSequence(path, [
    { args: STATUS_ARGS, mayFail: true },
    { args: HIDDEN_ARGS, mayFail: true },
  ]);
  const entries = parsePorcelainStatus(status?.stdout ?? '');
  return {
    tracked: entries.filter((e) => e.code !== '??').map((e) => e.path),
    untracked: entries.filter((e) => e.code === '??').map((e) => e.path),
    hidden: listed?.exitCode === 0 ? await hidingEntries(path, listed.stdout) : [],
  };
}

/** A worktree's uncommitted work, by kind (`worktreeChanges`). */
export interface WorktreeChanges {
  tracked: string[];
  untracked: string[];
  /** Index entries that hide their file's copy on disk from `git status`, with their flags. */
  hidden: HiddenEntry[];
}

/** The note that says which hidden files were put back before the integration worktree was reset (pure; escaped when shown). */
export function unhiddenNote(paths: readonly string[]): string {
  return `put back ${someOf(paths, 5)} in the integration worktree: something run there before hid them from git status (skip-worktree or assume-unchanged), so their flags were cleared and the files checked out of the commit again`;
}

/** `paths` for one line: the first five, control characters escaped. */
export function somePaths(paths: readonly string[]): string {
  return escapeControl(`${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}`);
}

/**
 * Refuses to merge on top of uncommitted changes to tracked files in the integration worktree: a merge
 * would fail on them, or carry them into the next merge commit, work no feature made. A file hidden
 * from `git status` by a skip-worktree or assume-unchanged flag counts: its copy on disk is what the
 * tests would run.
 */
export async function assertNoUncommittedChanges(path: string): Promise<void> {
  const { tracked: dirty, hidden } = await worktreeChanges(path);
  if (dirty.length === 0 && hidden.length === 0) return;
  const what = [
    dirty.length > 0 ? `has uncommitted changes: ${somePaths(dirty)}` : '',
    hidden.length > 0 ? `has index entries that hide files from git status: ${nameHidden(hidden)}` : '',
  ].filter(Boolean);
  const unhide = hidden.length > 0 ? `${unhideCommand(path, hidden)}, then ` : '';
  throw new UserError(
    'integrate/worktree-dirty',
    `the integration worktree ${escapeControl(path)} ${what.join('; ')}`,
    {
      hint: `The integration holds only what Baton merged: look at them (git -C ${printableArg(path)} status) and discard them (${unhide}git -C ${printableArg(path)} reset --hard), copying first what you need, then run again.`,
    },
  );
}

/**
 * Before Baton moves its integration worktree back to the base: the skip-worktree and assume-unchanged
 * flags a test command or criterion set there (`hidingEntries`) are cleared and their files checked out
 * of the index, since `reset --keep` keeps both and every later integration's criteria would be refused
 * (`checks/hidden-index-entries`). Only in the worktree proven Baton's; sparse checkout's own entries
 * are left. The paths it put back.
 */
async function clearHiddenEntries(path: string): Promise<string[]> {
  const { hidden } = await worktreeChanges(path);
  const paths = hidden.map((e) => e.path);
  await unhideAndRestore(path, paths);
  return paths;
}

/**
 * Keeps an earlier result under `refs/baton/integration-backup/` before `--fresh` discards it;
 * refuses when the branch holds commits made by hand that `--fresh` would drop.
 */
async function keepEarlierResult(options: PrepareOptions, tip: string, path: string): Promise<string> {
  const { root, base, branch } = options;
  const handMade = await commitsOnlyOn(root, tip, base, branch);
  if (handMade.length > 0) {
    throw new UserError(
      'integrate/hand-made-commits',
      `${branch} has ${handMade.length} commit(s) that are on no feature branch and not in the base (${handMade
        .slice(0, 3)
        .map((c) => c.slice(0, 10))
        .join(', ')}); --fresh would drop them`,
      {
        hint: `Keep them on a branch of their own (git branch keep-integration ${branch}) and move them where they belong, then delete the integration yourself (git worktree remove ${path} && git branch -D ${branch}).`,
      },
    );
  }
  const backup = `${INTEGRATION_BACKUP_PREFIX}${options.stamp}`;
  await git(root, ['update-ref', backup, tip]);
  return backup;
}

function assertFreeFolder(path: string, worktreePaths: string[]): void {
  if (worktreePaths.some((p) => samePath(p, path))) {
    throw new UserError('integrate/folder-taken', `${path} is already a worktree of another branch`, {
      hint: 'Remove that worktree, or set another `worktrees` folder in the config.',
    });
  }
  if (existsSync(path) && readdirSync(path).length > 0) {
    throw new UserError('integrate/folder-not-empty', `${path} exists and is not empty`, {
      hint: 'Move it away; Baton creates the integration worktree there.',
    });
  }
}
