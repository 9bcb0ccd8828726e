/**
 * What `--into` may bring to the user's branch: the merged features' work alone. The integration's
 * base must be in the branch already (an integration built on `dev` would carry `dev`'s own commits),
 * and the result must hold no commit of a feature that was not merged (a merged branch rebased onto
 * it by hand would carry it along). Each rule asks git once, and only when it could apply.
 */
import { printableArg } from '../agents/shell-words.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { localBranchTips } from '../git/branches.js';
import { git, isAncestor } from '../git/git.js';
import { logArgs } from '../git/log-args.js';
import { featureBranch } from '../git/refs.js';
import { type HeldWork, heldWorkFinder } from './carried-work.js';

/** Commits one commit has that a ref lacks: how many, and the newest few `<short hash> <subject>`. */
export interface MissingCommits {
  count: number;
  subjects: string[];
}

/** The commits `from` has and `ref` lacks (`MissingCommits`), in two git calls. */
export async function commitsMissing(root: string, from: string, ref: string): Promise<MissingCommits> {
  const count = Number(await git(root, ['rev-list', '--count', from, '--not', ref]));
  const subjects = (await git(root, logArgs('-n', '3', '--format=%h %s', from, '--not', ref)))
    .split('\n')
    .filter((l) => l !== '');
  return { count, subjects };
}

/** `MissingCommits` in words: `2 commits no feature made would come along ("abc fix", "def wip")`. */
export function missingWords(m: MissingCommits): string {
  const n = m.count === 1 ? '1 commit' : `${m.count} commits`;
  const shown = m.subjects.map((s) => `"${s}"`).join(', ');
  return `${n} no feature made would come along (${shown}${m.count > m.subjects.length ? ', …' : ''})`;
}

/** An integration's base that the `--into` branch does not hold, and what it would bring. */
export interface BaseOutside extends MissingCommits {
  base: string;
}

/** The integration's `base` when `ref` does not hold it, with what it would bring; undefined when it does. */
export async function baseOutside(
  root: string,
  base: string | undefined,
  ref: string,
): Promise<BaseOutside | undefined> {
  if (base === undefined || (await isAncestor(root, base, ref))) return undefined;
  return { base, ...(await commitsMissing(root, base, ref)) };
}

/**
 * Why `into` must not move onto an integration built on a base it does not hold (pure); `again` is
 * the command that integrates onto `into` instead.
 */
export function baseRefusal(
  into: string,
  outside: BaseOutside,
  again: string,
): { reason: string; hint: string } {
  return {
    reason: `the integration was built on ${outside.base.slice(0, 10)}, which ${into} does not hold: ${missingWords(outside)}`,
    hint: `Integrate onto ${into} instead (${again}), or take the result into the branch it was built on.`,
  };
}

/**
 * Refuses `--into` before anything is merged when the integration's base is not in the branch
 * (`--base dev --into main`): `dev`'s own commits would reach it.
 */
export async function assertIntoHoldsBase(
  root: string,
  into: string,
  base: string,
  again: string,
): Promise<void> {
  const outside = await baseOutside(root, base, `refs/heads/${into}`);
  if (outside === undefined) return;
  const refusal = baseRefusal(into, outside, again);
  throw new UserError('integrate/into-base', `${into} would get commits no feature made: ${refusal.reason}`, {
    hint: `${refusal.hint} Nothing was merged.`,
  });
}

/** What `carriedLeftOut` reads. */
export interface CarriedQuery {
  root: string;
  /** The integration's worktree: its HEAD is the result. */
  worktree: string;
  /** The `--into` branch, as a ref: what it holds is nobody's to bring. */
  ref: string;
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[];
  /** The plan's features in order, and those merged. */
  order: readonly string[];
  merged: readonly string[];
}

/**
 * The first feature not merged whose own commits (`heldWorkFinder`, by its branch's tip) the result
 * holds beyond `ref`; no git when every feature of the plan was merged.
 */
export async function carriedLeftOut(q: CarriedQuery): Promise<HeldWork | undefined> {
  const leftOut = q.order.filter((id) => !q.merged.includes(id));
  if (leftOut.length === 0) return undefined;
  const tips = await localBranchTips(q.root);
  const branchTip = (id: string) => tips.get(featureBranch(id));
  const candidates = leftOut.flatMap((id) => {
    const tip = branchTip(id);
    return tip === undefined ? [] : [{ feature_id: id, commits: [tip] }];
  });
  if (candidates.length === 0) return undefined;
  const head = await git(q.worktree, ['rev-parse', 'HEAD']);
  const find = await heldWorkFinder({
    root: q.root,
    since: q.ref,
    contracts: q.contracts,
    tips: [head],
    candidates,
    branchTip,
  });
  return find?.(head, leftOut);
}

/** Why `into` must not move onto a result that holds a left-out feature's work (pure). */
export function carriedRefusal(
  into: string,
  held: HeldWork,
  fresh: string,
): { reason: string; hint: string } {
  return {
    reason: `the result carries ${held.feature_id}'s work (commit ${held.commit.slice(0, 10)}), and ${held.feature_id} was not merged`,
    hint: `A merged feature's branch holds it (git log ${printableArg(into)}..${held.commit.slice(0, 10)} shows what would come along): take it off that branch and run \`baton verify\` on it, or integrate ${held.feature_id} with it; then integrate again: ${fresh}.`,
  };
}
