/**
 * Integration's executor: merges feature branches one at a time on the integration branch, in a
 * worktree of its own, tests after each merge and applies the conflict policy. The decisions live
 * in pure modules (selection, resume-state, into); the events go through the sink.
 */
import { UserError, unreachable } from '../errors.js';
import { mergeNoFf } from '../git/integration-merge.js';
import { abortMerge, deletedSides, filesWithConflictMarkers, mergeInProgress } from '../git/merge.js';
import { featureBranch } from '../git/refs.js';
import { checkOutSubmodules } from '../git/submodule-checkout.js';
import { readLog } from '../log/read.js';
import { gitTies, messagesOfMergeInProgress } from './conflict-ties.js';
import { continueCommandOf, freshCommandOf, sessionFlags, startOnlyFlags } from './continue-command.js';
import { cutLackedByIntegration } from './cut-from.js';
import { type ConflictReport, featuresTouching, ownersByFile } from './explain.js';
import { finish } from './finish.js';
import { blockedMerge, failedMerge } from './merge-refusals.js';
import { earlierContinueOffer, ownChanges, resumedSession, startSession } from './open-session.js';
import { assertAtRecordedTip, commitResolution, resolveByAgent, strayMerge } from './resolve.js';
import { proveResume, stopDeadIntegration, testCommandNote, testRefusal } from './resume-proof.js';
import { resumeStateFrom } from './resume-state.js';
import {
  contractOf,
  emit,
  type Halt,
  interrupted,
  interruptedHalt,
  mergeRef,
  now,
  recordMerged,
  type Session,
  skipWithDependents,
  testTimeoutField,
} from './session.js';
import { recordDiscarded, recordLeftOut } from './start-records.js';
import { applyRecheck, recheck } from './still-passing.js';
import { testAfter } from './test-after.js';
import type { ContinueIntegrationOptions, IntegrationResult, StartIntegrationOptions } from './types.js';
import { assertNoUncommittedChanges, prepareIntegrationWorktree, unhiddenNote } from './worktree.js';

export { orderForIntegration } from '../graph/integration-order.js';
export type {
  CheckRunner,
  CheckTally,
  ConflictPolicy,
  ConflictResolver,
  ConflictResolverInput,
  ContinueIntegrationOptions,
  IntegrationResult,
  IntegrationSettings,
  IntoResult,
  MergeStep,
  StartIntegrationOptions,
  TestRun,
} from './types.js';
export { CONFLICT_POLICIES } from './types.js';

/**
 * Integrates features from scratch: prepares the integration worktree, then merges each feature
 * in plan order with `--no-ff`, runs the tests after each merge, handles conflicts by the chosen
 * policy, runs the `after: integration` criteria, and fast-forwards `into` when all is well.
 */
export async function startIntegration(o: StartIntegrationOptions): Promise<IntegrationResult> {
  const session = await startSession(o);
  // Starting over: what a killed integration left running would run beside the new tests.
  const stopped = o.fresh ? await stopDeadIntegration(o.root) : undefined;
  if (stopped) session.notes.push(stopped);
  // A refusal here (an earlier result, a merge being resolved) records nothing.
  const wt = await prepareIntegrationWorktree({
    root: o.root,
    path: o.worktreePath,
    branch: o.branch,
    base: o.base,
    fresh: o.fresh,
    stamp: o.clock().toISOString().replace(/[:.]/g, '-'),
    freshCommand: freshCommandOf(session),
    // Read only when refusing: `--continue` is offered only when the log says it would go on.
    continueCommand: () => earlierContinueOffer(o, sessionFlags(session)),
  });
  session.worktree = wt.path;
  if (wt.backup) session.backup = wt.backup;
  if (wt.unhidden) session.notes.push(unhiddenNote(wt.unhidden));
  if (o.fresh) await recordDiscarded(session, o);
  emit(session, { type: 'phase.started', phase: 'integration' });
  try {
    const measured = o.changed;
    session.changed =
      measured !== undefined && session.order.every((id) => measured[id] !== undefined)
        ? { ...measured }
        : await ownChanges(session, o.base, session.order);
    // Made now, at the base: its submodules as the main checkout has them, but for those a feature
    // moves (a merge would leave their checkout behind the commit it records, and its tests see it changed).
    if (wt.created) {
      const moved = new Set(Object.values(session.changed).flat());
      session.notes.push(...(await checkOutSubmodules(o.root, wt.path, { leave: moved })));
    }
    session.startedAt = now(session);
    emit(session, {
      type: 'integration.started',
      branch: o.branch,
      worktree: session.worktree,
      order: session.order,
      base_commit: o.base,
      ...(o.baseName ? { base_name: o.baseName } : {}),
      ...(Object.keys(session.commits).length > 0 ? { commits: { ...session.commits } } : {}),
      ...(session.test ? { test: session.test } : {}),
      ...testTimeoutField(session),
      on_conflict: session.policy,
      ...(o.into ? { into: o.into } : {}),
      ...(o.named && o.named.length > 0 ? { named: [...o.named] } : {}),
      ...(o.baseRef !== undefined ? { base_ref: o.baseRef } : {}),
      ...(session.include.length > 0 ? { include: session.include } : {}),
      ...(session.included.length > 0 ? { included: session.included } : {}),
      ...(o.excluded && o.excluded.length > 0 ? { excluded: [...o.excluded] } : {}),
    });
    recordLeftOut(session, o);
    return await mergeAndFinish(session, () => mergeQueue(session, session.order));
  } finally {
    emit(session, { type: 'phase.ended', phase: 'integration' });
  }
}

/**
 * Goes on with an integration that stopped at a conflict, once a person resolved it: commits the
 * resolved merge (refusing while unmerged paths or conflict markers remain), tests it, and merges
 * the rest. An integration that was interrupted goes on from its last recorded merge. What came
 * before is read back from the log.
 */
export async function continueIntegration(o: ContinueIntegrationOptions): Promise<IntegrationResult> {
  // The commands the refusals name carry this command line's flags; a start over runs the test
  // command given here (the config's needs no saying).
  const given = {
    ...(o.into ? { into: o.into } : {}),
    test: o.testFromConfig ? undefined : o.test,
    testTimeoutS: o.testTimeoutMs / 1000,
    onConflict: o.onConflict,
  };
  const verdict = resumeStateFrom(readLog(o.logPath, undefined, { final: true }).events, given);
  if (!verdict.ok) {
    const { code, message, hint } = verdict.refusal;
    throw new UserError(code, message, { hint });
  }
  const r = verdict.state;
  // And what only a start takes, as the integration began with it.
  const flags = { ...given, ...startOnlyFlags(r.started) };
  // Nothing the log names is acted on unproven: the worktree, the commits, the branch to move.
  const { worktree } = await proveResume(o, r, flags);
  const refused = testRefusal({
    logged: r.started.test,
    used: o.test,
    fromConfig: o.testFromConfig === true,
    into: o.into,
    flags,
  });
  if (refused) throw refused;
  // What a killed integration left running (its test command) would run beside the new tests.
  const stopped = await stopDeadIntegration(o.root);
  const session = await resumedSession(o, r, worktree);
  for (const note of [stopped, testCommandNote(r.started.test, session.test)])
    if (note) session.notes.push(note);
  const found = recheck(session, r);
  if (!r.pending && (await mergeInProgress(session.worktree)))
    throw strayMerge(session.worktree, continueCommandOf(session));
  // Nothing uncommitted (unless a merge is being resolved: then `commitResolution` refuses what is
  // not added to it), checked first: the way back from a moved branch is a `reset --hard`, which
  // would discard it. Nothing pending to commit: the branch must be where the log left it.
  if (!r.pending || !(await mergeInProgress(session.worktree))) {
    await assertNoUncommittedChanges(session.worktree);
  }
  if (!r.pending) {
    await assertAtRecordedTip(session, continueCommandOf(session));
  }
  emit(session, { type: 'phase.started', phase: 'integration' });
  try {
    let last = r.untested;
    if (r.pending) {
      const id = r.pending.feature_id;
      const resolved = await commitResolution(session, id, r.pending.files);
      recordMerged(session, id, resolved, now(session) - Date.parse(r.pending.ts), 'by-hand');
      last = id;
    }
    // Only now that nothing refused: what no longer passes is left out (and recorded so).
    applyRecheck(session, found);
    return await mergeAndFinish(session, async () => {
      const halt = last ? await testAfter(session, last) : undefined;
      if (halt) return halt;
      return mergeQueue(
        session,
        session.order.filter((f) => !session.steps.has(f)),
      );
    });
  } finally {
    emit(session, { type: 'phase.ended', phase: 'integration' });
  }
}

/**
 * Runs the merging part of an invocation, then finishes it. Ctrl-C reaches git's reads too (they run
 * in Baton's process group; the merges do not: `mergeNoFf`), so a git call failing once the
 * integration was interrupted is the interruption, and ends the integration `interrupted` like any other.
 */
async function mergeAndFinish(
  session: Session,
  merge: () => Promise<Halt | undefined>,
): Promise<IntegrationResult> {
  let halt: Halt | undefined;
  try {
    halt = await merge();
  } catch (err) {
    if (!interrupted(session)) throw err;
    halt = interruptedHalt(session);
  }
  return finish(session, halt);
}

/** Merges each feature of `queue` in turn; returns why it stopped early, if it did. */
async function mergeQueue(session: Session, queue: readonly string[]): Promise<Halt | undefined> {
  for (const id of queue) {
    if (session.steps.has(id)) continue; // skipped along with a dependency
    if (interrupted(session)) return interruptedHalt(session);
    const halt = (await mergeOne(session, id)) ?? (await testAfterMerge(session, id));
    if (halt) return halt;
  }
  return undefined;
}

/** Tests after `id` when it was merged (not skipped, not with nothing to merge). */
async function testAfterMerge(session: Session, id: string): Promise<Halt | undefined> {
  return session.steps.get(id)?.status === 'merged' ? testAfter(session, id) : undefined;
}

/** One `git merge --no-ff baton/<id>`, with the conflict policy applied. */
async function mergeOne(session: Session, id: string): Promise<Halt | undefined> {
  const feature = contractOf(session.s.plan, id);
  const t0 = now(session);
  const title = feature.title && feature.title !== id ? ` (${feature.title})` : '';
  const outcome = await mergeNoFf(
    session.worktree,
    mergeRef(session, id),
    `Merge ${featureBranch(id)}${title}`,
  );
  if (outcome.kind === 'up-to-date') {
    // No commit of the branch is new here (an agent that changed nothing): claim no merge commit.
    const reason = `nothing to merge: ${featureBranch(id)} adds no commit beyond the integration`;
    session.steps.set(id, { feature_id: id, status: 'nothing-to-merge', reason });
    emit(session, { type: 'merge.skipped', feature_id: id, reason, kind: 'nothing-to-merge' });
    return undefined;
  }
  if (outcome.kind === 'merged') {
    recordMerged(session, id, outcome.commit, now(session) - t0);
    return undefined;
  }
  if (outcome.kind === 'blocked') throw blockedMerge(session, id, outcome.paths);
  if (outcome.kind === 'failed') throw failedMerge(session, id, outcome.reason);

  const files = outcome.files;
  // git's words tie a file it moved after a folder an already-merged feature renamed to that feature.
  const messages = await messagesOfMergeInProgress(session.worktree, [session.s.branch, featureBranch(id)]);
  const withIds = featuresTouching(files, session.merged, session.changed, messages);
  const ties = gitTies(
    files,
    [session.changed[id] ?? [], ...withIds.map((w) => session.changed[w] ?? [])],
    messages,
  );
  const duration = now(session) - t0;
  const cut = await cutLackedByIntegration(session, id);
  emit(session, {
    type: 'merge.conflict',
    feature_id: id,
    files,
    with: withIds,
    duration_ms: duration,
    ...(cut ? { base_lacks_cut: cut } : {}),
  });
  const unmarked = files.filter((f) => filesWithConflictMarkers(session.worktree, [f]).length === 0);
  const deleted = await deletedSides(session.worktree);
  const report: ConflictReport = {
    feature_id: id,
    files,
    ...(unmarked.length > 0 ? { unmarked } : {}),
    ...(Object.keys(deleted).length > 0 ? { deleted } : {}),
    with: withIds,
    owners: ownersByFile(files, session.s.plan.features),
    ...(Object.keys(ties).length > 0 ? { ties } : {}),
    index: session.order.indexOf(id) + 1,
    total: session.order.length,
    worktree: session.worktree,
    branch: session.s.branch,
    ...(session.baseName ? { base: session.baseName } : {}),
    ...(cut ? { cut: { commit: cut, own: session.changed[id] ?? [] } } : {}),
  };
  session.steps.set(id, { feature_id: id, status: 'conflict', files, with: withIds, duration_ms: duration });

  switch (session.policy) {
    case 'stop':
      return { kind: 'conflict', report };
    case 'skip': {
      await abortMerge(session.worktree);
      const others = withIds.length > 0 ? withIds.join(', ') : (session.baseName ?? 'the base'); // none merged before: the base's own changes
      skipWithDependents(session, id, `conflicts with ${others} in ${files.join(', ')}`);
      return undefined;
    }
    case 'agent':
      return resolveByAgent(session, id, feature, report, t0);
    default:
      return unreachable(session.policy);
  }
}
