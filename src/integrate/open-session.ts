/**
 * The session an invocation of integration works with: a start's, from its options, or a
 * `--continue`'s, from the state the log recorded; what each feature changed, measured once the
 * integration worktree is proven; and the `--continue` a refusal of a start offers for the result
 * already there.
 */
import { existingBranches } from '../git/branches.js';
import { featureBranch } from '../git/refs.js';
import { readLog } from '../log/read.js';
import { type ContinueFlags, continueCommand, freshCommand, startOnlyFlags } from './continue-command.js';
import { cutCommitsOf } from './cut-from.js';
import { foreignBases } from './into.js';
import { collectBranchChanges, withCarried } from './predict.js';
import { marksFor } from './resume-proof.js';
import { type ResumeState, resumeStateFrom } from './resume-state.js';
import { mergeRef, type Session, sinkFor } from './session.js';
import type { ContinueIntegrationOptions, StartIntegrationOptions } from './types.js';
import type { ContinueOffer } from './worktree.js';

/** The session a start works with: nothing merged yet, its features, commits and flags from `o`. */
export async function startSession(o: StartIntegrationOptions): Promise<Session> {
  return {
    s: o,
    sink: sinkFor(o),
    policy: o.onConflict ?? 'stop',
    test: o.test,
    worktree: o.worktreePath,
    base: o.base,
    ...(o.baseName ? { baseName: o.baseName } : {}),
    baseRef: o.baseRef,
    named: o.named,
    order: [...o.features],
    commits: { ...(o.commits ?? {}) },
    bases: { ...(o.bases ?? {}) },
    changed: {},
    merged: [],
    steps: new Map(),
    tests: [],
    startedAt: 0,
    notes: [],
    include: [...(o.include ?? [])],
    included: [...(o.included ?? [])],
    marks: await marksFor(o.root),
  };
}

/**
 * The `--continue` a start's refusal offers for the integration already on the branch (read only when
 * refusing): only when the log says it would go on, with the test command it began with and this
 * command's `--into` and `--on-conflict`.
 */
export function earlierContinueOffer(
  o: StartIntegrationOptions,
  own: ContinueFlags,
): ContinueOffer | undefined {
  const v = resumeStateFrom(
    readLog(o.logPath, undefined, { final: true }).events,
    o.into ? { into: o.into } : {},
  );
  if (!v.ok || v.state.promotionRefused) return undefined;
  // `--continue` moves only a branch it is given, and runs only the test command it is given:
  // the ones this integration was asked to move and began with (`testDiffers` refuses another).
  const test = v.state.started.test;
  // The timeout it began with, else this command's (the test command must be the one it began with).
  const testTimeoutS = v.state.testTimeoutS ?? o.testTimeoutMs / 1000;
  const command = continueCommand({
    test,
    testTimeoutS,
    into: o.into ?? v.state.askedInto,
    onConflict: o.onConflict,
  });
  // Starting over instead keeps what this command said, and what the continue carries where it said nothing.
  const fresh = freshCommand({
    ...own,
    test: own.test ?? test,
    into: own.into ?? o.into ?? v.state.askedInto,
  });
  const fromLog = test !== undefined && test !== o.test;
  // Either command runs the log's test when this one named none: each says so where it is offered.
  return {
    command,
    fresh: { command: fresh, ...(fromLog && own.test === undefined ? { testFromLog: true } : {}) },
    ...(fromLog ? { testFromLog: true } : {}),
  };
}

/**
 * The session `--continue` goes on with, from the state the log recorded, in the worktree proven to be
 * the integration's; the test command and the conflict policy are this invocation's (flag, else config).
 */
export async function resumedSession(
  o: ContinueIntegrationOptions,
  r: ResumeState,
  worktree: string,
): Promise<Session> {
  const session: Session = {
    s: r.into === undefined ? o : { ...o, into: r.into },
    sink: sinkFor(o),
    policy: o.onConflict ?? 'stop',
    test: o.test,
    worktree,
    base: r.base,
    ...(r.started.base_name ? { baseName: r.started.base_name } : {}),
    // What only a start takes, as it recorded them: a start over names them again.
    baseRef: startOnlyFlags(r.started).base,
    named: startOnlyFlags(r.started).ids,
    order: r.order,
    commits: r.commits,
    bases: {},
    changed: {},
    merged: [...r.merged],
    steps: new Map(r.steps.map((s) => [s.feature_id, s])),
    tests: [],
    startedAt: o.clock().getTime(),
    notes: [],
    include: r.include,
    included: r.included,
    marks: await marksFor(o.root),
  };
  if (r.base) {
    const branches = await existingBranches(o.root, r.order.map(featureBranch));
    const present = r.order.filter((id) => branches.has(featureBranch(id)));
    session.changed = await ownChanges(session, r.base, present);
  }
  return session;
}

/**
 * What each feature changed, measured as the prediction measures it (`collectBranchChanges`): from
 * the base, or, for a branch cut from its dependencies' (`--wait-for-deps`), from the merge that
 * stacked it on them, so a conflict's "with" never blames a dependent for its dependency's files.
 */
export async function ownChanges(
  session: Session,
  base: string,
  ids: readonly string[],
): Promise<Record<string, readonly string[]>> {
  const branches = ids.map((id) => ({ feature_id: id, branch: mergeRef(session, id) }));
  // A branch cut from a commit the base lacks (rewritten since the run) is measured from that commit.
  session.cuts = cutCommitsOf(await foreignBases(session.s.root, base, session.bases, session.commits));
  const changes = await collectBranchChanges(
    session.s.root,
    base,
    withCarried(branches, session.s.plan.features),
    session.cuts,
  );
  return Object.fromEntries(changes.map((c) => [c.feature_id, c.files]));
}
