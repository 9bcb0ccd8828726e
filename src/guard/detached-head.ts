/**
 * A unit's worktree left on a detached HEAD (`git checkout <sha>`, a rebase that stopped, a bisect):
 * what was committed there is on no branch, and removing the worktree leaves it reachable from
 * nothing. What those commits are, and the git commands that put the worktree back on its branch
 * keeping them, said one way by the run's failure, the resume's refusal and `baton clean`.
 */
import { printableArg } from '../agents/shell-words.js';
import { type BranchInProgress, branchesInProgress } from '../git/branch-in-progress.js';
import { git, gitRaw, isAncestor, resolveCommit } from '../git/git.js';
import { logArgs } from '../git/log-args.js';
import { escapeControl } from '../text/escape.js';

/** What a worktree on a detached HEAD holds that no branch does. */
export interface DetachedHead {
  /** The commit HEAD is at. */
  head: string;
  /** Commits reachable from HEAD and from no branch: what removing the worktree would leave unreachable. */
  count: number;
  /** The newest few of them, `<short sha> <subject>` (the subject as the commit has it, not escaped). */
  newest: string[];
  /** All of them, oldest first, when they are few plain commits (no merge): what a cherry-pick takes. */
  pickable?: string[];
  /** The branch is gone, or HEAD descends from its tip: `git switch -C <branch>` keeps everything. */
  onTop: boolean;
  /** The branch exists. */
  branchExists: boolean;
  /** A rebase or a bisect of the branch under way (git keeps HEAD detached until it ends). */
  inProgress?: BranchInProgress;
}

/** How many commits are named at most, and taken by a cherry-pick the hint writes out. */
const SHOWN = 3;
const PICKABLE = 10;

/**
 * What `worktree` holds on a detached HEAD (`DetachedHead`), `branch` (short name) being the one
 * it belongs on; undefined when its HEAD is on a branch (or git cannot read it). `inProgress`: a
 * scan of the worktrees' rebases and bisects the caller made already (`branchesInProgress`).
 */
export async function readDetachedHead(
  worktree: string,
  branch: string,
  inProgress?: readonly BranchInProgress[],
): Promise<DetachedHead | undefined> {
  const symbolic = await gitRaw(worktree, ['symbolic-ref', '-q', 'HEAD']);
  if (symbolic.exitCode !== 1) return undefined;
  const head = await resolveCommit(worktree, 'HEAD');
  if (head === undefined) return undefined;
  const only = [head, '--not', '--branches'];
  const count = Number(await git(worktree, ['rev-list', '--count', ...only])) || 0;
  const newest =
    count === 0
      ? []
      : (await git(worktree, logArgs('-n', String(SHOWN), '--format=%h %s', ...only)))
          .split('\n')
          .filter((l) => l !== '');
  const tip = await resolveCommit(worktree, `refs/heads/${branch}`);
  const onTop = tip === undefined || (await isAncestor(worktree, tip, head));
  const scan = inProgress ?? (await branchesInProgress(worktree));
  const held = scan.find((p) => p.branch === branch);
  const pickable = count > 0 && count <= PICKABLE ? await plainCommits(worktree, only) : undefined;
  return {
    head,
    count,
    newest,
    onTop,
    branchExists: tip !== undefined,
    ...(pickable ? { pickable } : {}),
    ...(held ? { inProgress: held } : {}),
  };
}

/** The commits `range` lists, oldest first, when none of them is a merge; undefined otherwise. */
async function plainCommits(cwd: string, range: readonly string[]): Promise<string[] | undefined> {
  const lines = (await git(cwd, ['rev-list', '--reverse', '--parents', ...range]))
    .split('\n')
    .filter((l) => l !== '');
  const commits = lines.map((l) => l.split(' '));
  if (commits.some((c) => c.length !== 2)) return undefined;
  return commits.map((c) => c[0] ?? '');
}

/**
 * Its commits in words (pure): `1 commit no branch has (83c6baa the agent's work)`, or `no commit of
 * its own` when every commit there is on a branch. Subjects escaped.
 */
export function detachedCommitsWords(d: Pick<DetachedHead, 'count' | 'newest'>): string {
  if (d.count === 0) return 'no commit of its own (every commit there is on a branch)';
  const more = d.count > d.newest.length ? ` and ${d.count - d.newest.length} more` : '';
  const shown = d.newest.map((l) => escapeControl(l)).join(', ');
  return `${d.count} commit${d.count === 1 ? '' : 's'} no branch has (${shown}${more})`;
}

/**
 * What to run to put `worktree` back on `branch` keeping what its detached HEAD holds (pure): end a
 * rebase or bisect under way; `git switch -C <branch>` when HEAD is on top of the branch (or the
 * branch is gone: it is made there), which changes nothing in the worktree; else a switch back, then
 * a cherry-pick of those commits (a merge of HEAD when they are many or include a merge).
 */
export function keepOnBranchWords(worktree: string, branch: string, d: DetachedHead): string {
  const git = `git -C ${printableArg(worktree)}`;
  const held = d.inProgress;
  if (held?.operation === 'rebase')
    return `finish the rebase of ${branch} there (\`${git} rebase --continue\`) or abort it (\`${git} rebase --abort\`)`;
  if (held?.operation === 'bisect') return `end the bisect there (\`${git} bisect reset\`)`;
  const name = printableArg(branch);
  if (d.count === 0)
    return `put the worktree back on ${branch} with \`${git} switch ${d.branchExists ? '' : '-c '}${name}\``;
  const them = d.count === 1 ? 'it' : 'them';
  if (d.onTop) return `keep ${them} on ${branch} with \`${git} switch -C ${name}\``;
  const take = d.pickable ? `\`${git} cherry-pick ${d.pickable.join(' ')}\`` : `\`${git} merge ${d.head}\``;
  return `keep ${them} on ${branch} with \`${git} switch ${name}\`, then ${take}`;
}
