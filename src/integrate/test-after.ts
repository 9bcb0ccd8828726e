/**
 * The test command after each merge: run in the integration worktree, in its own process group, and
 * judged by its exit and by what it left behind (a test must change neither the files nor the branch).
 */
import { printableArg } from '../agents/shell-words.js';
import { portBlockFor } from '../ports.js';
import { describeExit, spawnSupervised, tailLines } from '../process/supervise.js';
import { tipBefore, tipMoved, tipMovedWords } from './resolve.js';
import { emit, type Halt, interrupted, interruptedHalt, type Session } from './session.js';
import type { TestRun } from './types.js';
import { somePaths, uncommittedChanges } from './worktree.js';

/** Why a test run counts as failed whatever its exit, with the way back. */
interface LeftBehind {
  reason: string;
  hint: string;
}

/**
 * What the test command left that a test must not: uncommitted changes to tracked files (the next
 * merge would fail on them or carry them along), or the integration branch moved off the merge Baton
 * made (a commit `--into` would promote unchecked, a reset that drops a merge). Undefined when none.
 */
async function leftBehind(session: Session): Promise<LeftBehind | undefined> {
  const moved = await tipMoved(session);
  const dirty = await uncommittedChanges(session.worktree);
  if (!moved && dirty.length === 0) return undefined;
  const reasons = [
    moved ? `the test command moved the integration branch: ${tipMovedWords(session, moved)}` : '',
    dirty.length > 0 ? `the test command left changes to tracked files in: ${somePaths(dirty)}` : '',
  ].filter(Boolean);
  const wt = printableArg(session.worktree);
  const back = (moved?.recorded ?? tipBefore(session) ?? 'HEAD').slice(0, 12);
  return {
    reason: reasons.join('; '),
    hint: `A test must leave the integration as it found it (write what it generates to files git ignores, commit nothing): put it back (git -C ${wt} reset --hard ${back}), fix the test command, then start over with \`baton integrate --fresh\`.`,
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
  const port = portBlockFor(session.s.plan.order.length, session.s.portBase).port;
  const child = spawnSupervised(session.test, {
    cwd: session.worktree,
    env: { ...session.s.env, PORT: String(port), BATON_INTEGRATION: '1', BATON_AFTER_FEATURE: id },
    shell: true,
    timeoutMs: session.s.testTimeoutMs,
  });
  const stop = () => void child.stop('interrupt');
  session.s.signal?.addEventListener('abort', stop, { once: true });
  const exit = await child.exited.finally(() => session.s.signal?.removeEventListener('abort', stop));
  if (exit.stoppedBy === 'interrupt') return interruptedHalt(session);
  const left = await leftBehind(session);
  const passed = exit.exitCode === 0 && !exit.timedOut && left === undefined;
  const output = tailLines(`${exit.stdout}${exit.stdout && exit.stderr ? '\n' : ''}${exit.stderr}`, 20);
  const described = describeExit(exit, session.s.testTimeoutMs);
  const result: TestRun = {
    after_feature: id,
    index: session.order.indexOf(id) + 1,
    total: session.order.length,
    passed,
    exit_code: exit.exitCode,
    exit: left ? `${described}; ${left.reason}` : described,
    output_tail: output,
    duration_ms: exit.durationMs,
    ...(left ? { hint: left.hint } : {}),
  };
  session.tests.push(result);
  emit(session, {
    type: 'integration.tested',
    after_feature: id,
    passed,
    exit_code: exit.exitCode,
    output_tail: output,
    duration_ms: exit.durationMs,
    ...(left ? { reason: left.reason } : {}),
  });
  return passed ? undefined : { kind: 'tests-failed', run: result };
}
