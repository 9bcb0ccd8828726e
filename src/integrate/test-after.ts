/**
 * The test command after each merge: run in the integration worktree, in its own process group, and
 * judged by its exit and by what it left behind (a test must change neither the files nor the branch).
 */
import { randomUUID } from 'node:crypto';
import { printableArg } from '../agents/shell-words.js';
import { nameHidden, unhideCommand } from '../checks/checkout-probe.js';
import { leftRunningNote } from '../checks/judge.js';
import { settleLeftRunning } from '../checks/left-running.js';
import { featureBranch } from '../git/refs.js';
import { CHECK_MARK } from '../guard/daemons.js';
import { procNowMs } from '../guard/proc.js';
import { blockPorts } from '../ports.js';
import { describeExit, spawnSupervised, tailLines } from '../process/supervise.js';
import { integrationPortBlock } from '../unit-ports.js';
import { freshCommandOf, putBack } from './continue-command.js';
import { samePlace } from './own-work.js';
import { tipBefore, tipMoved, tipMovedWords } from './resolve.js';
import { emit, type Halt, interrupted, interruptedHalt, type Session } from './session.js';
import type { TestRun } from './types.js';
import { somePaths, worktreeChanges } from './worktree.js';

/** Why a run in the integration worktree counts as failed whatever its exit, with the way back. */
export interface LeftBehind {
  reason: string;
  hint: string;
}

/** What ran in the integration worktree, in the words of `leftBehind`. */
export interface Runner {
  /** Who left it: `the test command`. */
  name: string;
  /** The rule it broke, first in the hint. */
  rule: string;
  /** What to fix before starting over. */
  fix: string;
}

/** The test command after a merge. */
export const TEST_COMMAND: Runner = {
  name: 'the test command',
  rule: 'A test must leave the integration as it found it (write what it generates to files git ignores, commit nothing)',
  fix: 'fix the test command',
};

/** The `after: integration` criteria, once every feature is merged. */
export const AFTER_INTEGRATION_CRITERIA: Runner = {
  name: 'the after-integration criteria',
  rule: 'An after-integration criterion must leave the integration as it found it (write what it generates to files git ignores, commit nothing): Baton promotes only the merges it made and tested',
  fix: 'fix the criterion',
};

/**
 * Untracked files a merge still to come would overwrite or remove (git refuses that merge): those at
 * or around a path one of the features not yet merged changed, with those features.
 */
function untrackedInTheWay(
  session: Session,
  untracked: readonly string[],
): { paths: string[]; features: string[] } {
  const rest = session.order.filter((f) => !session.steps.has(f));
  const features = new Set<string>();
  const paths = untracked.filter((u) => {
    const by = rest.filter((f) => (session.changed[f] ?? []).some((c) => samePlace(u, c)));
    for (const f of by) features.add(f);
    return by.length > 0;
  });
  return { paths, features: rest.filter((f) => features.has(f)) };
}

/**
 * What `runner` left that it must not: uncommitted changes to tracked files (the next merge would fail
 * on them or carry them along), index entries it marked skip-worktree or assume-unchanged (a file
 * rewritten behind one is a change `git status` does not show), the integration branch moved off the merge Baton made (a commit
 * `--into` would promote unchecked, a reset that drops a merge), or untracked files where a merge
 * still to come puts its own (git would refuse it). Undefined when none.
 */
export async function leftBehind(session: Session, runner: Runner): Promise<LeftBehind | undefined> {
  const moved = await tipMoved(session);
  const { tracked: dirty, untracked, hidden } = await worktreeChanges(session.worktree);
  const inTheWay = untrackedInTheWay(session, untracked);
  if (!moved && dirty.length === 0 && hidden.length === 0 && inTheWay.paths.length === 0) return undefined;
  const merges = inTheWay.features.map(featureBranch).join(', ');
  const reasons = [
    moved ? `${runner.name} moved the integration branch: ${tipMovedWords(session, moved)}` : '',
    dirty.length > 0 ? `${runner.name} left changes to tracked files in: ${somePaths(dirty)}` : '',
    hidden.length > 0
      ? `${runner.name} left index entries that hide files from git status (their copies on disk may not be the merge): ${nameHidden(hidden)}`
      : '',
    inTheWay.paths.length > 0
      ? `${runner.name} left untracked files that merging ${merges} would overwrite: ${somePaths(inTheWay.paths)}`
      : '',
  ].filter(Boolean);
  const wt = printableArg(session.worktree);
  const back = moved?.recorded ?? tipBefore(session) ?? 'HEAD';
  const ways = [
    hidden.length > 0 ? unhideCommand(session.worktree, hidden) : '',
    moved || dirty.length > 0 || hidden.length > 0 ? putBack(session.worktree, back) : '',
    inTheWay.paths.length > 0
      ? `remove the untracked files (git -C ${wt} clean -f -- ${inTheWay.paths.map(printableArg).join(' ')})`
      : '',
  ].filter(Boolean);
  const fix =
    inTheWay.paths.length > 0
      ? `${runner.fix} (have it delete them, or list them in .gitignore: a merge replaces an ignored file)`
      : runner.fix;
  return {
    reason: reasons.join('; '),
    hint: `${runner.rule}: ${ways.join(', ')}, ${fix}, then start over with \`${freshCommandOf(session)}\`.`,
  };
}

/**
 * Runs the test command in the integration worktree after merging `id`: the halt when it failed,
 * left changes or moved the branch, or Ctrl-C stopped it (its whole process group, and nothing
 * recorded: `--continue` runs it again); undefined when it passed or there is none.
 */
export async function testAfter(session: Session, id: string): Promise<Halt | undefined> {
  if (!session.test) return undefined;
  if (interrupted(session)) return interruptedHalt(session);
  const port = integrationPortBlock(session.s.plan, session.s.portBase).port;
  // As a check's: what it leaves outside its group (`setsid … &`) is named and stopped, here at once:
  // the next test gets the same ports and must meet the code it merged, not a server from this one.
  const mark = randomUUID();
  const fromMs = procNowMs();
  const child = spawnSupervised(session.test, {
    cwd: session.worktree,
    env: {
      ...session.s.env,
      ...session.marks,
      [CHECK_MARK]: mark,
      PORT: String(port),
      BATON_INTEGRATION: '1',
      BATON_AFTER_FEATURE: id,
    },
    shell: true,
    timeoutMs: session.s.testTimeoutMs,
  });
  const stop = () => void child.stop('interrupt');
  session.s.signal?.addEventListener('abort', stop, { once: true });
  const exit = await child.exited.finally(() => session.s.signal?.removeEventListener('abort', stop));
  const left = await settleLeftRunning(mark, fromMs, blockPorts(port), false);
  if (exit.stoppedBy === 'interrupt') return interruptedHalt(session);
  const changed = await leftBehind(session, TEST_COMMAND);
  const passed = exit.exitCode === 0 && !exit.timedOut && changed === undefined;
  const output = tailLines(`${exit.stdout}${exit.stdout && exit.stderr ? '\n' : ''}${exit.stderr}`, 20);
  const running = leftRunningNote(left.running, left.heldPort, left.stoppedNow, "the integration's");
  const described = `${describeExit(exit, session.s.testTimeoutMs)}${running}`;
  const result: TestRun = {
    after_feature: id,
    index: session.order.indexOf(id) + 1,
    total: session.order.length,
    passed,
    exit_code: exit.exitCode,
    exit: changed ? `${described}; ${changed.reason}` : described,
    output_tail: output,
    duration_ms: exit.durationMs,
    ...(changed ? { hint: changed.hint } : {}),
  };
  session.tests.push(result);
  emit(session, {
    type: 'integration.tested',
    after_feature: id,
    passed,
    exit_code: exit.exitCode,
    output_tail: output,
    duration_ms: exit.durationMs,
    ...(changed ? { reason: changed.reason } : {}),
    ...(running ? { left_running: running.replace(/^; /, '') } : {}),
  });
  return passed ? undefined : { kind: 'tests-failed', run: result };
}
