/**
 * The end of an integration invocation: the `after: integration` criteria, the outcome, `--into`,
 * the closing event and the result handed to the renderer.
 */
import { filesOutsideOwns } from '../contracts/owns.js';
import { changedFiles, git } from '../git/git.js';
import type { IntegrationEnded } from '../log/events.js';
import { unitPortBlock } from '../unit-ports.js';
import { sessionFlags } from './continue-command.js';
import { foreignBases, type IntoInput, intoRefusal, MERGED_RESULT, moveInto } from './into.js';
import { baseOutside, type CarriedQuery, carriedLeftOut } from './into-holds.js';
import { unkeptSubmoduleNotes } from './into-submodules.js';
import { promotionChecks, promotionRefusal } from './promotion.js';
import {
  contractOf,
  emit,
  type Halt,
  interrupted,
  interruptedHalt,
  now,
  orderedSteps,
  type Session,
  testTimeoutField,
} from './session.js';
import { AFTER_INTEGRATION_CRITERIA, type LeftBehind, leftBehind } from './test-after.js';
import type { CheckTally, IntegrationResult, IntoResult } from './types.js';

/** Runs the after-integration criteria of every merged feature, each on its own port block. */
async function runIntegrationChecks(session: Session): Promise<Record<string, CheckTally>> {
  const checks: Record<string, CheckTally> = {};
  for (const id of session.merged) {
    if (interrupted(session)) break;
    const feature = contractOf(session.s.plan, id);
    const criteria = feature.acceptance_criteria.filter((c) => c.after === 'integration');
    if (criteria.length === 0) continue;
    if (!session.s.runChecks) {
      checks[id] = { passed: 0, failed: 0, unverifiable: criteria.length, total: criteria.length };
      session.notes.push(
        `${id}: ${criteria.length} after-integration criteria were not run (no check runner)`,
      );
      continue;
    }
    const port = unitPortBlock(session.s.plan, id, session.s.portBase).port;
    const signal = session.s.signal ? { signal: session.s.signal } : {};
    const marks = session.marks ? { marks: session.marks } : {};
    const tally = await session.s.runChecks({ feature, cwd: session.worktree, port, ...signal, ...marks });
    // Cut short by Ctrl-C, it is no result: what finished is recorded, `--continue` runs them all again.
    if (interrupted(session)) break;
    checks[id] = tally;
  }
  return checks;
}

/**
 * The outcome: where merging stopped, else failed checks (or checks that changed the integration:
 * `checksLeft`), else anything left out, else clean (pure).
 */
export function outcomeOf(
  halt: Halt | undefined,
  checks: Readonly<Record<string, CheckTally>>,
  steps: Iterable<{ status: string }>,
  checksLeft?: LeftBehind,
): IntegrationEnded['outcome'] {
  if (halt) return halt.kind;
  if (checksLeft || Object.values(checks).some((t) => t.failed > 0)) return 'checks-failed';
  for (const s of steps) if (LEFT_OUT.has(s.status)) return 'partial';
  return 'clean';
}

/**
 * Steps of a selected feature that did not get merged: it did not pass, was skipped at a conflict or
 * for a dependency, or has no branch (never run; one integrated before and cleaned has no step).
 */
const LEFT_OUT: ReadonlySet<string> = new Set(['skipped', 'not-merged', 'not-run']);

/**
 * The merged features whose own changes (`session.changed`, from git) leave their contract's `owns`,
 * by the owns check's own rule (`filesOutsideOwns`), for those whose `owns_policy` is strict: the owns
 * check re-derived from git, since the log's `check.passed` is anyone's to write.
 */
function outsideOwns(session: Session): Array<{ feature_id: string; files: string[] }> {
  return session.merged.flatMap((id) => {
    const owns = strictOwns(session, id);
    if (!owns) return [];
    const files = filesOutsideOwns(session.changed[id] ?? [], owns);
    return files.length > 0 ? [{ feature_id: id, files }] : [];
  });
}

/** A merged feature's `owns` when its move is held to them: its contract has some, and its policy is strict. */
function strictOwns(session: Session, id: string): readonly string[] | undefined {
  const contract = session.s.plan.byId.get(id);
  return contract && contract.owns.length > 0 && contract.owns_policy !== 'warn' ? contract.owns : undefined;
}

/**
 * The files the result changes against `branch` (from where they meet) that no merged feature owns,
 * when every merged feature's `owns` is strict: asked of git alone. `session.changed` is measured
 * from the integration's base, which a `--continue` reads from the log: a base forged to a feature's
 * own tip would hide that feature's work from `outsideOwns`, never from this.
 */
async function resultOutsideOwns(session: Session, branch: string): Promise<string[]> {
  const owns = session.merged.map((id) => strictOwns(session, id));
  if (owns.length === 0 || !owns.every((o): o is readonly string[] => o !== undefined)) return [];
  const changed = await changedFiles(session.worktree, `refs/heads/${branch}`, 'HEAD', true);
  return owns.reduce<string[]>((left, o) => filesOutsideOwns(left, o), changed);
}

/** `outsideOwns`, and what the result changes outside every merged feature's owns that it did not name. */
async function outsideOwnsOnMove(
  session: Session,
  branch: string,
): Promise<Array<{ feature_id: string; files: string[] }>> {
  const named = outsideOwns(session);
  const seen = new Set(named.flatMap((o) => o.files));
  const unnamed = (await resultOutsideOwns(session, branch)).filter((f) => !seen.has(f));
  return unnamed.length > 0 ? [...named, { feature_id: MERGED_RESULT, files: unnamed }] : named;
}

/** What `carriedLeftOut` asks of the result: the plan's features not merged, against `ref`. */
function carriedQuery(session: Session, ref: string): CarriedQuery {
  const plan = session.s.plan;
  return {
    root: session.s.root,
    worktree: session.worktree,
    ref,
    contracts: plan.features,
    order: plan.order,
    merged: session.merged,
  };
}

/**
 * What `--into` is judged on, and the last gate when nothing else keeps the branch where it is: the
 * merged features' criteria run again on the result. Ctrl-C there turns the outcome into `interrupted`.
 */
async function intoGate(
  session: Session,
  branch: string,
  ended: {
    outcome: IntegrationEnded['outcome'];
    steps: IntoInput['steps'];
    checks: Record<string, CheckTally>;
    checksLeft: LeftBehind | undefined;
  },
): Promise<{ input: IntoInput; interrupted: boolean }> {
  const { outcome, steps, checks, checksLeft } = ended;
  // Asked of git only for a clean outcome: `intoRefusal` refuses any other before it looks at these.
  const merged = Object.entries(session.bases).filter(([id]) => session.merged.includes(id));
  const foreign =
    outcome === 'clean'
      ? await foreignBases(
          session.s.root,
          `refs/heads/${branch}`,
          Object.fromEntries(merged),
          session.commits,
        )
      : [];
  const clean = outcome === 'clean';
  const ref = `refs/heads/${branch}`;
  const input: IntoInput = {
    foreign,
    baseOutside: clean ? await baseOutside(session.s.root, session.base, ref) : undefined,
    carried: clean ? await carriedLeftOut(carriedQuery(session, ref)) : undefined,
    branch,
    outcome,
    steps,
    tests: session.tests,
    checks,
    included: session.included,
    stale: session.stale ?? [],
    flags: sessionFlags(session),
    outsideOwns: outcome === 'clean' ? await outsideOwnsOnMove(session, branch) : outsideOwns(session),
    ...(checksLeft ? { checksLeft: checksLeft.reason } : {}),
  };
  if (intoRefusal(input)) return { input, interrupted: false };
  const promotion = await promotionChecks(session);
  if (promotion.interrupted) return { input: { ...input, outcome: 'interrupted' }, interrupted: true };
  const refused = promotionRefusal(promotion);
  return { input: refused ? { ...input, promotion: refused } : input, interrupted: false };
}

/**
 * Moves `--into`'s branch unless Ctrl-C came first (during the gate's criteria, or before git began to
 * move it): then it stays where it was and the integration ends `interrupted`, for `--continue --into`
 * to finish. Ctrl-C during the move itself does not stop it (git is shielded from it: a checkout left
 * half-moved is worse than one moved), and a note says so.
 */
async function moveUnlessInterrupted(
  session: Session,
  gate: { input: IntoInput; interrupted: boolean },
  commit: string,
): Promise<{ into: IntoResult; interrupted: boolean }> {
  // A conflict or failed tests stay the outcome, and an interruption recorded before stays one.
  const own = halts(gate.input.outcome);
  const stopped = gate.interrupted || (!own && interrupted(session));
  const input: IntoInput = stopped ? { ...gate.input, outcome: 'interrupted' } : gate.input;
  const into = await moveInto(session.s.root, input, commit, session.s.signal);
  if (into.moved) session.notes.push(...(await unkeptSubmoduleNotes(session.s.root, into.branch, commit)));
  if (into.moved && interrupted(session)) {
    session.notes.push(
      `Ctrl-C came while ${into.branch} was being moved: the move was let finish, as stopping git half-way would leave the checkout half-moved`,
    );
  }
  return { into, interrupted: stopped || (!own && !into.moved && interrupted(session)) };
}

/** Whether the outcome is a stop of its own (a conflict, failed tests, Ctrl-C already), which a later Ctrl-C does not replace. */
function halts(outcome: IntegrationEnded['outcome']): boolean {
  return outcome === 'conflict' || outcome === 'tests-failed' || outcome === 'interrupted';
}

/** Runs the integration criteria, decides the outcome, moves `into`, and records the end. */
export async function finish(session: Session, stopped: Halt | undefined): Promise<IntegrationResult> {
  const checks = stopped ? {} : await runIntegrationChecks(session);
  // Ctrl-C during the checks: those that finished are recorded, the rest did not run.
  let halt = stopped ?? (interrupted(session) ? interruptedHalt(session) : undefined);
  const steps = [...orderedSteps(session)];
  // A criterion that committed or left changes: what it left is no merge Baton made or tested.
  const ran = Object.values(checks).some((t) => t.passed + t.failed > 0);
  const checksLeft = halt || !ran ? undefined : await leftBehind(session, AFTER_INTEGRATION_CRITERIA);
  let outcome = outcomeOf(halt, checks, steps, checksLeft);
  if (!session.test) session.notes.push('no test command (config `test` or --test): merges were not tested');

  const gate = session.s.into
    ? await intoGate(session, session.s.into, { outcome, steps, checks, checksLeft })
    : undefined;
  const commit = await git(session.worktree, ['rev-parse', 'HEAD']);
  const duration = now(session) - session.startedAt;
  const moved = gate ? await moveUnlessInterrupted(session, gate, commit) : undefined;
  if (moved?.interrupted) {
    halt = interruptedHalt(session);
    outcome = 'interrupted';
  }
  const into = moved?.into;
  emit(session, {
    type: 'integration.ended',
    outcome,
    duration_ms: duration,
    commit,
    ...(checksLeft ? { reason: checksLeft.reason } : {}),
    ...(into?.moved ? { into: into.branch } : {}),
    ...(into && !into.moved ? { into_refused: into.reason, into_asked: into.branch } : {}),
    ...testTimeoutField(session),
  });
  const result: IntegrationResult = {
    outcome,
    branch: session.s.branch,
    worktree: session.worktree,
    base: session.base,
    order: session.order,
    steps,
    tests: session.tests,
    checks,
    include: session.include,
    included: session.included,
    commit,
    duration_ms: duration,
    notes: session.notes,
  };
  if (checksLeft) result.checks_left = checksLeft;
  if (halt?.kind === 'tests-failed') result.tests_failed_after = halt.run;
  if (halt?.kind === 'conflict') result.conflict = halt.report;
  if (halt?.kind === 'interrupted') result.interrupted_by = halt.signal;
  if (into) result.into = into;
  if (session.backup) result.backup = session.backup;
  if (session.s.test !== undefined) result.test = session.s.test;
  const timeout = testTimeoutField(session).test_timeout_s;
  if (timeout !== undefined) result.test_timeout_s = timeout;
  if (session.policy !== 'stop') result.on_conflict = session.policy;
  if (session.named && session.named.length > 0) result.named = [...session.named];
  if (session.baseRef !== undefined) result.base_ref = session.baseRef;
  return result;
}
