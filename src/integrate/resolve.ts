/**
 * Finishing a conflicted merge: accepting a person's resolution on `--continue`, or handing the
 * conflict to the resolver (an agent) and accepting its work only when nothing is left unresolved.
 */
import { printableArg } from '../agents/shell-words.js';
import { unhideCommand } from '../checks/checkout-probe.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { git, isAncestor } from '../git/git.js';
import { commitMerge } from '../git/integration-merge.js';
import { logArgs } from '../git/log-args.js';
import {
  filesWithConflictMarkers,
  mergeInProgress,
  stagePaths,
  unmergedPaths,
  unstagedPaths,
} from '../git/merge.js';
import { featureBranch } from '../git/refs.js';
import { escapeControl } from '../text/escape.js';
import { changedBeyondConflict, markersLeft } from './beyond-conflict.js';
import { continueCommandOf, freshCommandOf } from './continue-command.js';
import { buildConflictTask, type ConflictReport } from './explain.js';
import { watchResolver } from './resolver-watch.js';
import {
  contractOf,
  type Halt,
  interrupted,
  interruptedHalt,
  mergeRef,
  now,
  recordMerged,
  type Session,
} from './session.js';
import { somePaths, worktreeChanges } from './worktree.js';

/**
 * The integration's tip as the log records it, which is its tip before the next merge: the last merge
 * commit, else the base (unknown for an old log).
 */
export function tipBefore(session: Session): string | undefined {
  const last = session.merged.at(-1);
  const step = last === undefined ? undefined : session.steps.get(last);
  return step?.status === 'merged' && step.commit !== '' ? step.commit : session.base;
}

/** The commit `id` is merged at: the one recorded when it was selected, else its branch's tip. */
async function featureCommit(session: Session, id: string): Promise<string> {
  return git(session.s.root, ['rev-parse', '--verify', `${mergeRef(session, id)}^{commit}`]);
}

/** Whether a commit with `parents` is the merge asked for: the tip before it, then the feature's commit. */
function isTheMerge(parents: readonly string[], feature: string, before: string | undefined): boolean {
  return parents.length === 2 && parents[1] === feature && (before === undefined || parents[0] === before);
}

/**
 * The merge asked for, when it is an ancestor of `head` along first parents (a person committed the
 * right merge, then more on top of it), with how many commits sit on top; undefined otherwise.
 */
async function mergeBelow(
  session: Session,
  head: string,
  feature: string,
  before: string | undefined,
): Promise<{ commit: string; above: number } | undefined> {
  const range = before === undefined ? ['-n', '100', head] : [head, '--not', before];
  const out = await git(session.worktree, logArgs('--first-parent', '--format=%H %P', ...range, '--'));
  const chain = out.split('\n').filter(Boolean);
  for (const [above, line] of chain.entries()) {
    const [commit, ...parents] = line.split(' ');
    if (commit && isTheMerge(parents, feature, before)) return { commit, above };
  }
  return undefined;
}

/** How the integration branch differs from the tip the log recorded (`tipMoved`). */
export interface TipMoved {
  head: string;
  recorded: string;
  /** `<short hash> <subject>` of commits on the branch that Baton did not record, newest first. */
  extra: string[];
  /** The same for recorded commits the branch no longer holds. */
  missing: string[];
}

/**
 * How the integration branch moved away from the tip the log recorded (the last merge Baton made and
 * recorded, else the base), or undefined when it is still there: Baton goes on from, tests and
 * promotes that commit only, never whatever the branch points at now (a commit made by hand or by
 * the test command, a reset that dropped a merge). Undefined too when the log does not say (old logs).
 */
export async function tipMoved(session: Session): Promise<TipMoved | undefined> {
  const recorded = tipBefore(session);
  if (recorded === undefined) return undefined;
  const head = await git(session.worktree, ['rev-parse', 'HEAD']);
  if (head === recorded) return undefined;
  const subjects = async (from: string, not: string) =>
    (await git(session.worktree, logArgs('--format=%h %s', from, '--not', not, '--')))
      .split('\n')
      .filter(Boolean);
  return { head, recorded, extra: await subjects(head, recorded), missing: await subjects(recorded, head) };
}

/** `tipMoved` in words: where the branch is, where it should be, and the commits in between. */
export function tipMovedWords(session: Session, moved: TipMoved): string {
  const some = (list: readonly string[]) =>
    `${list
      .slice(0, 3)
      .map((c) => `"${c}"`)
      .join(', ')}${list.length > 3 ? ', …' : ''}`;
  const parts = [
    moved.extra.length > 0 ? `${moved.extra.length} commit(s) Baton did not make (${some(moved.extra)})` : '',
    moved.missing.length > 0
      ? `without ${moved.missing.length} commit(s) Baton recorded (${some(moved.missing)})`
      : '',
  ].filter(Boolean);
  return escapeControl(
    `${session.s.branch} is at ${moved.head.slice(0, 10)}, not at ${moved.recorded.slice(0, 10)}, the commit Baton recorded: ${parts.join(', ') || 'another commit'}`,
  );
}

/** The way back to the recorded tip: keep what is on top if wanted, reset to it, or start over. */
export function tipMovedHint(session: Session, moved: TipMoved, then: string): string {
  const wt = printableArg(session.worktree);
  const keep =
    moved.extra.length > 0
      ? `keep the extra commits first if you need them (git -C ${wt} branch kept-${moved.head.slice(0, 10)} ${moved.head.slice(0, 12)}), then `
      : '';
  return `Put it back: ${keep}git -C ${wt} reset --hard ${moved.recorded.slice(0, 12)}, then ${then}; or start over with \`${freshCommandOf(session)}\`.`;
}

/**
 * Refuses to go on (`--continue`, a promotion with `--into`) from anything but the tip the log
 * recorded: what is merged next, tested and moved into the user's branch must be what Baton merged.
 */
export async function assertAtRecordedTip(session: Session, command: string): Promise<void> {
  const moved = await tipMoved(session);
  if (moved === undefined) return;
  throw new UserError(
    'integrate/branch-moved',
    `${tipMovedWords(session, moved)}; --continue goes on only from the commit Baton recorded`,
    { hint: tipMovedHint(session, moved, `run \`${command}\` again`) },
  );
}

/** Why a commit is not the merge asked for, and the way back to it. */
interface WrongMerge {
  message: string;
  hint: string;
}

/**
 * Why `head` is not the merge of `id` the integration asked for, or undefined when it is: a commit
 * whose parents are exactly the integration's tip before it and the feature's commit. Anything else
 * (another branch merged too, a commit on top, the feature's later commits) would bring unchecked
 * work along, whoever made it: a person or the resolving agent. When the right merge is there with
 * commits on top, the way back keeps it (and the resolution it holds) and drops only those.
 */
async function wrongMerge(session: Session, id: string, head: string): Promise<WrongMerge | undefined> {
  const parents = (await git(session.worktree, ['rev-list', '--parents', '-n', '1', head]))
    .split(' ')
    .slice(1);
  const feature = await featureCommit(session, id);
  const before = tipBefore(session);
  if (isTheMerge(parents, feature, before)) return undefined;
  const short = (c: string | undefined) => (c === undefined ? '?' : c.slice(0, 10));
  const what = `${short(head)} is not the merge of ${featureBranch(id)} at ${short(feature)} into ${short(before)}`;
  const below = await mergeBelow(session, head, feature, before);
  if (below !== undefined) {
    const wt = printableArg(session.worktree);
    return {
      message: `${what}: ${short(below.commit)} is that merge, with ${below.above} commit(s) on top of it`,
      hint: `Keep the merge and drop only what is on top of it (first keep those commits on a branch if you need them: git -C ${wt} branch kept-${short(head)} ${short(head)}): git -C ${wt} reset --hard ${below.commit.slice(0, 12)}, then \`${continueCommandOf(session)}\`.`,
    };
  }
  return {
    message: `${what}: its parents are ${parents.map(short).join(', ') || 'none'}`,
    hint: redoHint(session, id),
  };
}

/** The way back to the merge a person must resolve, after a wrong one. */
function redoHint(session: Session, id: string): string {
  const before = tipBefore(session) ?? 'HEAD';
  const wt = printableArg(session.worktree);
  return `Put it back and merge only ${featureBranch(id)}: git -C ${wt} reset --hard ${before.slice(0, 12)} && git -C ${wt} merge --no-ff ${mergeRef(session, id)}; resolve, \`git add\`, then \`${continueCommandOf(session)}\`.`;
}

/**
 * The refusal of `--continue` when a merge is in progress in `wt` that the log does not record. The
 * way on discards it, and with it any resolution a person made there: the hint saves that first.
 */
export function strayMerge(wt: string, next = 'baton integrate --continue'): UserError {
  const at = printableArg(wt);
  return new UserError(
    'integrate/merge-in-progress',
    `a merge is in progress in ${escapeControl(wt)} that the log does not record (was Baton interrupted?)`,
    {
      hint: `Discarding it discards what was resolved in it too: save that first if you need it (git -C ${at} diff HEAD > ${printableArg(`${wt}.resolution.patch`)}; or, once every path is added, git -C ${at} stash, which also ends the merge). Then discard it (git -C ${at} merge --abort, if it is still in progress) and run \`${next}\` again.`,
    },
  );
}

/** Commits a merge a person resolved, or accepts the merge commit they made themselves. */
export async function commitResolution(
  session: Session,
  id: string,
  files: readonly string[],
): Promise<string> {
  const wt = session.worktree;
  if (await mergeInProgress(wt)) {
    const [head, mergeHead] = (await git(wt, ['rev-parse', 'HEAD', 'MERGE_HEAD'])).split('\n');
    const feature = await featureCommit(session, id);
    const before = tipBefore(session);
    if (mergeHead !== feature || (before !== undefined && head !== before)) {
      throw new UserError(
        'integrate/wrong-merge',
        `the merge in progress in ${escapeControl(wt)} is not the merge of ${featureBranch(id)} at ${feature.slice(0, 10)} into ${before?.slice(0, 10) ?? 'the integration'}`,
        { hint: redoHint(session, id) },
      );
    }
    const unmerged = await unmergedPaths(wt);
    if (unmerged.length > 0) {
      throw new UserError(
        'integrate/unresolved',
        // The paths come from the agents' work: escaped where shown, quoted where pasted.
        `the merge of ${featureBranch(id)} still has unmerged paths: ${escapeControl(unmerged.join(', '))}`,
        {
          hint: `Resolve them in ${escapeControl(wt)} and mark them resolved (git -C ${printableArg(wt)} add -- ${unmerged.map(printableArg).join(' ')}), then run \`${continueCommandOf(session)}\`.`,
        },
      );
    }
    const marked = await markersLeft(wt, files);
    if (marked.length > 0) {
      throw new UserError(
        'integrate/conflict-markers',
        `conflict markers remain in ${escapeControl(marked.join(', '))} (lines starting with <<<<<<< or >>>>>>>)`,
        {
          hint: `Finish resolving them in ${escapeControl(wt)} and add them again (git -C ${printableArg(wt)} add -- ${marked.map(printableArg).join(' ')}), then run \`${continueCommandOf(session)}\`.`,
        },
      );
    }
    // Left unstaged, a change would stay in the worktree after the commit: the tests would run on it
    // and the next merge would carry it or fail on it. The person decides whether it belongs.
    const unstaged = await unstagedPaths(wt);
    if (unstaged.length > 0) {
      throw new UserError(
        'integrate/unstaged',
        `changes not added to the merge of ${featureBranch(id)}: ${escapeControl(unstaged.join(', '))}`,
        {
          hint: `Add them to the merge (git -C ${printableArg(wt)} add -- ${unstaged.map(printableArg).join(' ')}) or discard them (git -C ${printableArg(wt)} checkout -- ${unstaged.map(printableArg).join(' ')}), then run \`${continueCommandOf(session)}\`.`,
        },
      );
    }
    return commitMerge(wt);
  }
  const head = await git(wt, ['rev-parse', 'HEAD']);
  if (await isAncestor(session.s.root, mergeRef(session, id), head)) {
    // Committed by hand already: only the merge asked for is accepted.
    const wrong = await wrongMerge(session, id, head);
    if (wrong === undefined) return head;
    throw new UserError('integrate/wrong-merge', wrong.message, { hint: wrong.hint });
  }
  throw new UserError(
    'integrate/merge-gone',
    `no merge is in progress in ${wt} and ${featureBranch(id)} is not merged there (was the merge aborted?)`,
    {
      hint: `Merge it again by hand (git -C ${printableArg(wt)} merge --no-ff ${mergeRef(session, id)}), resolve, and run \`${continueCommandOf(session)}\`; or start over with \`${freshCommandOf(session)} --on-conflict skip\`.`,
    },
  );
}

/** What is still unresolved after the resolver ran: unmerged paths and files with markers. */
async function unresolvedAfter(
  session: Session,
  id: string,
  files: readonly string[],
  exitCode: number | null,
): Promise<string[]> {
  const wt = session.worktree;
  if (!(await mergeInProgress(wt))) {
    const head = await git(wt, ['rev-parse', 'HEAD']);
    return (await isAncestor(session.s.root, mergeRef(session, id), head)) ? [] : [...files];
  }
  const cleared = files.filter((f) => !filesWithConflictMarkers(wt, [f]).length);
  // An agent that edited the files but forgot `git add` still resolved them; one that failed did not.
  if (exitCode === 0) {
    const stillUnmerged = new Set(await unmergedPaths(wt));
    await stagePaths(
      wt,
      cleared.filter((f) => stillUnmerged.has(f)),
    );
  }
  return [...new Set([...(await unmergedPaths(wt)), ...(await markersLeft(wt, files))])];
}

/** What the resolution changed outside the conflicted files (none known for an old log, whose tip before the merge is unknown). */
async function changedBeyond(
  session: Session,
  id: string,
  files: readonly string[],
  pending: boolean,
): Promise<string[]> {
  const before = tipBefore(session);
  if (before === undefined) return [];
  const wt = session.worktree;
  return changedBeyondConflict(wt, {
    ours: before,
    theirs: await featureCommit(session, id),
    result: pending ? await git(wt, ['write-tree']) : 'HEAD',
    files,
  });
}

/** Hands the conflict to the resolver; continues only if it left no unmerged path and no marker. */
export async function resolveByAgent(
  session: Session,
  id: string,
  feature: Contract,
  report: ConflictReport,
  t0: number,
): Promise<Halt | undefined> {
  const resolver = session.s.resolver;
  if (!resolver) {
    throw new UserError(
      'integrate/no-resolver',
      'the agent conflict policy needs an agent to resolve conflicts',
      {
        hint: 'Set `agent` in the config file or in the contract, or use --on-conflict stop.',
      },
    );
  }
  const others = report.with.map((w) => contractOf(session.s.plan, w));
  const task = buildConflictTask(report, feature, others);
  const wt = session.worktree;
  const signal = session.s.signal ? { signal: session.s.signal } : {};
  const watch = await watchResolver(session, id);
  const { exitCode } = await resolver({
    worktree: wt,
    files: report.files,
    feature,
    others,
    task,
    ...signal,
    ...(session.marks ? { marks: session.marks } : {}),
  });
  const traces = await watch.end();
  // Stopped by Ctrl-C: its work is left as it is, mid-merge, for a person (and `--continue`) to finish.
  if (interrupted(session)) return interruptedHalt(session);
  const unresolved = await unresolvedAfter(session, id, report.files, exitCode);
  if (unresolved.length > 0 || exitCode !== 0) {
    return { kind: 'conflict', report: { ...report, unresolved, resolver_exit: exitCode } };
  }
  const refuse = (unresolved: string[], note: string): Halt => {
    session.notes.push(`the resolving agent's work was not accepted: ${note}`);
    return { kind: 'conflict', report: { ...report, unresolved, resolver_exit: exitCode } };
  };
  // Checks, not trust: an agent that changed the repository outside the merge (a hook path, a
  // deleted branch) is not trusted with the merge either; a person looks at both.
  if (traces.repository.length > 0) {
    return refuse(
      [...report.files],
      `it changed the repository outside the integration: ${traces.repository.join('; ')}. Undo what you did not want, look at its merge in ${wt}, then run \`${continueCommandOf(session)}\``,
    );
  }
  // The resolution is the conflicted files only: whatever else it changed is refused before it is
  // committed (checks, not trust: the task said "change nothing else").
  const pending = await mergeInProgress(wt);
  const beyond = await changedBeyond(session, id, report.files, pending);
  if (beyond.length > 0) {
    return refuse(
      beyond,
      `it also changed ${beyond.join(', ')}, outside the conflicted files; look at it in ${wt} (git diff --cached), undo what does not belong to the resolution, then run \`${continueCommandOf(session)}\``,
    );
  }
  const commit = pending ? await commitMerge(wt) : await git(wt, ['rev-parse', 'HEAD']);
  const wrong = await wrongMerge(session, id, commit);
  // What the resolver committed is not the merge alone: a person looks at it; `--continue` refuses it.
  if (wrong !== undefined) return refuse([...report.files], `${wrong.message}. ${wrong.hint}`);
  // Left after the merge's commit, and untracked files it made: no merge holds them, but the tests
  // and the criteria after it would see them.
  // A file it hid from git status (skip-worktree, assume-unchanged) counts: the tests would run its copy.
  const after = await worktreeChanges(wt);
  const leftovers = [...after.tracked, ...after.hidden.map((e) => e.path), ...traces.untracked];
  if (leftovers.length > 0) {
    const at = printableArg(wt);
    const unhide = after.hidden.length > 0 ? `${unhideCommand(wt, after.hidden)}, then ` : '';
    return refuse(
      leftovers,
      `it left changes in ${wt} outside the merge: ${somePaths(leftovers)}; look at them, discard them (${unhide}git -C ${at} checkout -- ., and git -C ${at} clean -f -- <file> for a file it made), then run \`${continueCommandOf(session)}\``,
    );
  }
  recordMerged(session, id, commit, now(session) - t0, 'by-agent');
  return undefined;
}
