/**
 * The base an integration builds on and the commit the features were cut from. When the base does not
 * hold that commit (the user switched to another branch during the run, or amended or rebased the
 * commit the run started from), merging the features onto it would bring along commits no feature
 * made, and measuring their work from where they meet the base would blame them for the user's
 * commits. The log says which commit each feature was cut from; git proves it (`foreignBases`: the
 * feature's commit holds it) and says what became of it: the user's branches that hold it, or the
 * base's commits that are its rewrite.
 */
import { UserError } from '../errors.js';
import { userBranchesHolding } from '../git/branches.js';
import { git } from '../git/git.js';
import { logArgs } from '../git/log-args.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import { startCommand } from './continue-command.js';
import { type ForeignBase, foreignBases } from './into.js';
import type { Session } from './session.js';

/** A commit features were cut from that the base does not hold, and what git says became of it. */
export interface CutOutsideBase extends ForeignBase {
  /** The user's local branches (never `baton/*`) that hold it. */
  holders: string[];
  /** The base's commits that are a rewrite of one of the missing ones (same author, author date and subject), `<short> <subject>`. */
  rewritten: string[];
}

/**
 * The commits the selected features were cut from (`bases`, the log's word, proven against each
 * feature's commit in `commits`) that `base` (a commit) does not hold, each with the user's branches
 * that hold it and its rewrite in the base, if any. Empty in the usual case, at one git call per
 * distinct cut commit.
 */
export async function cutsOutsideBase(
  root: string,
  base: string,
  bases: Readonly<Record<string, string>>,
  commits: Readonly<Record<string, string>>,
): Promise<CutOutsideBase[]> {
  const foreign = await foreignBases(root, base, bases, commits);
  return Promise.all(
    foreign.map(async (f) => ({
      ...f,
      holders: await userBranchesHolding(root, f.base),
      rewritten: await rewritesIn(root, base, f.base),
    })),
  );
}

/** Each feature measured from a cut commit the base lacks, and that commit (pure). */
export function cutCommitsOf(cuts: readonly ForeignBase[]): Record<string, string> {
  return Object.fromEntries(cuts.flatMap((c) => c.feature_ids.map((id) => [id, c.base])));
}

/**
 * The commit feature `id`'s branch was cut from, when the integration branch as it is before `id` is
 * merged (the base and what was merged onto it) lacks it, by the one rule (`foreignBases`): merging
 * `id` brings commits no feature made, so a conflict it meets is not one between features. Undefined
 * when the integration holds it (the base did, or a feature merged before brought it) or the log did
 * not say where the branch was cut; one git call when it did.
 */
export async function cutLackedByIntegration(
  session: Pick<Session, 's' | 'bases' | 'commits'>,
  id: string,
): Promise<string | undefined> {
  const cut = session.bases[id];
  if (cut === undefined) return undefined;
  const onto = `refs/heads/${session.s.branch}`;
  const [lacked] = await foreignBases(session.s.root, onto, { [id]: cut }, session.commits);
  return lacked?.base;
}

/** How many commits on either side are compared when looking for a rewrite. */
const REWRITE_WINDOW = 200;

/**
 * The commits of `base` not in `cut` that rewrite one of `cut`'s not in `base` (an amend, a rebase, a
 * `pull --rebase` keeps the author, the author date and the subject), `<short> <subject>`.
 */
async function rewritesIn(root: string, base: string, cut: string): Promise<string[]> {
  const format = '--format=%h%x00%ae%x00%at%x00%s';
  const side = async (from: string, not: string) =>
    (await git(root, logArgs(`-n${REWRITE_WINDOW}`, format, from, '--not', not)))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [short = '', email, at, subject = ''] = l.split('\0');
        return { key: `${email}\0${at}\0${subject}`, line: `${short} "${subject}"` };
      });
  const lost = new Set((await side(cut, base)).map((c) => c.key));
  return (await side(base, cut)).filter((c) => lost.has(c.key)).map((c) => c.line);
}

/**
 * The refusal of a base that does not hold the commit the features were cut from (pure): it names the
 * commit, the user's branches that hold it or the rewrite the base holds instead, and what to do.
 * Only a base named with `--base` is taken as it is: `integrateOnto` is the command that names one (the
 * refused command line again, with that `--base`).
 */
export function cutOutsideRefusal(
  baseName: string,
  cuts: readonly CutOutsideBase[],
  integrateOnto: (base: string) => string = (base) => startCommand({ base }),
): UserError {
  const name = escapeControl(baseName);
  const parts = cuts.map((c) => {
    // `subjects` lists the newest missing commits first: the cut commit itself.
    const [short = c.base.slice(0, 10), ...words] = (c.subjects[0] ?? '').split(' ');
    const shown = `(${short} "${escapeControl(words.join(' '))}": ${someOf(c.feature_ids, 5)})`;
    if (c.holders.length > 0) return `${shown}; the branches that do: ${someOf(c.holders, 5)}`;
    if (c.rewritten.length > 0) {
      const as = someOf(
        c.rewritten.map((r) => escapeControl(r)),
        3,
      );
      return `${shown}; ${name} holds it rewritten since the run (amended or rebased): ${as}`;
    }
    return `${shown}; no branch of yours holds it`;
  });
  const holder = cuts.flatMap((c) => c.holders)[0];
  const lost = cuts.reduce((n, c) => n + c.count, 0);
  const along =
    holder !== undefined
      ? `the ${lost} commit(s) it lacks come along with the features`
      : `the ${lost} old commit(s) come along with the features, beside their rewrite, and may conflict with it`;
  const asIs = `to build on ${name} as it is, name it: \`${integrateOnto(baseName)}\` (${along})`;
  const onto = cuts.map((c) => `git rebase --onto ${name} ${c.base.slice(0, 10)}`);
  const ids = [...new Set(cuts.flatMap((c) => c.feature_ids))].join(' ');
  const hint =
    holder !== undefined
      ? `Integrate onto the branch they were cut from, \`${integrateOnto(holder)}\`; or, ${asIs}.`
      : `Move the branches onto ${name} (in each worktree: ${someOf([...new Set(onto)], 2)}), then \`baton verify ${ids}\` and integrate; or, ${asIs}.`;
  return new UserError(
    'integrate/base-lacks-cut',
    `${name} does not contain the commit the run's branches were cut from ${parts.join('; ')}`,
    { hint: `${hint} Nothing was merged.` },
  );
}
