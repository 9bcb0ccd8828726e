import { existsSync } from 'node:fs';
import type { Contract } from '../contracts/schema.js';
import { UserError, unreachable } from '../errors.js';
import { branchExists, git, isAncestor, statusEntries } from '../git/git.js';
import {
  abortMerge,
  commitMerge,
  type FastForward,
  fastForwardBranch,
  filesWithConflictMarkers,
  mergeInProgress,
  mergeNoFf,
  stagePaths,
  unmergedPaths,
} from '../git/merge.js';
import { featureBranch } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { appendEvent, type Clock } from '../log/append.js';
import type { BatonEvent, IntegrationEnded, IntegrationStarted, NewEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { readLog } from '../log/read.js';
import { portBlockFor } from '../ports.js';
import { describeExit, spawnSupervised, tailLines } from '../process/supervise.js';
import { buildConflictTask, type ConflictReport, featuresTouching, ownersByFile } from './explain.js';
import { collectBranchChanges } from './predict.js';
import { prepareIntegrationWorktree } from './worktree.js';

/** What to do when a merge conflicts. */
export const CONFLICT_POLICIES = ['stop', 'skip', 'agent'] as const;
/** One of `CONFLICT_POLICIES`. */
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** What a conflict resolver is given: the worktree mid-merge, the files, and the contracts involved. */
export interface ConflictResolverInput {
  worktree: string;
  files: string[];
  feature: Contract;
  /** Contracts of the already-merged features that changed the same files. */
  others: Contract[];
  /** The task text for an agent: the conflict, the rules, both contracts. */
  task: string;
}

/** Resolves a conflict left in progress in a worktree (an agent, usually); its exit is only advisory. */
export type ConflictResolver = (input: ConflictResolverInput) => Promise<{ exitCode: number | null }>;

/** Counts of one feature's checks. */
export interface CheckTally {
  passed: number;
  failed: number;
  unverifiable: number;
  total: number;
}

/** Runs a feature's `after: integration` criteria in the integration worktree (and records them). */
export type CheckRunner = (input: { feature: Contract; cwd: string; port: number }) => Promise<CheckTally>;

/** What happened to one feature during integration. */
export type MergeStep =
  | {
      feature_id: string;
      status: 'merged';
      commit: string;
      duration_ms: number;
      /** Set when the merge first conflicted and was then resolved. */
      resolved?: 'by-hand' | 'by-agent';
      /** The branch was already contained in the integration (nothing to merge). */
      already?: boolean;
    }
  | { feature_id: string; status: 'conflict'; files: string[]; with: string[]; duration_ms: number }
  | { feature_id: string; status: 'skipped'; reason: string }
  | { feature_id: string; status: 'not-run'; reason: string };

/** One run of the test command after a merge. */
export interface TestRun {
  after_feature: string;
  /** 1-based position of the merge it followed, of `total`. */
  index: number;
  total: number;
  passed: boolean;
  exit_code: number | null;
  /** The exit in words (`exit 1`, `timed out after 900 s…`). */
  exit: string;
  output_tail: string;
  duration_ms: number;
}

/** How `--into` went. */
export type IntoResult =
  | { branch: string; moved: true; fast_forward: FastForward }
  | { branch: string; moved: false; reason: string; hint?: string };

/** Everything one `baton integrate` (or `--continue`) did, for rendering and `--json`. */
export interface IntegrationResult {
  outcome: IntegrationEnded['outcome'];
  branch: string;
  worktree: string;
  base: string | undefined;
  /** Features of this integration, in merge order. */
  order: string[];
  /** Per feature, the latest thing that happened, earlier invocations included. */
  steps: MergeStep[];
  tests: TestRun[];
  /** The first test run that failed; merging stopped there. */
  tests_failed_after?: TestRun;
  /** The conflict integration stopped at (outcome `conflict`). */
  conflict?: ConflictReport & { unresolved?: string[]; resolver_exit?: number | null };
  checks: Record<string, CheckTally>;
  /** The integration branch's tip. */
  commit: string;
  /** From the first merge's start to the last check's end (time spent resolving included). */
  duration_ms: number;
  into?: IntoResult;
  /** Where an earlier result was kept by `--fresh`. */
  backup?: string;
  notes: string[];
}

/** What every integration invocation needs from the caller. */
export interface IntegrationSettings {
  /** The main checkout (never modified, except by `--into` when its branch is the target). */
  root: string;
  plan: Plan;
  logPath: string;
  clock: Clock;
  /** Environment for the test command and the resolver. */
  env: NodeJS.ProcessEnv;
  runId?: string;
  /** The integration branch, `baton/integration`. */
  branch: string;
  /** Test command run after each merge; on `--continue` defaults to the one integration began with. */
  test?: string;
  testTimeoutMs: number;
  /** On `--continue` defaults to the policy integration began with. */
  onConflict?: ConflictPolicy;
  resolver?: ConflictResolver;
  runChecks?: CheckRunner;
  portBase: number;
  /** Branch to fast-forward to the result when everything passed. */
  into?: string;
  /** Called with every event appended, for live output. */
  onEvent?: (event: BatonEvent) => void;
}

/** Options of `startIntegration`. */
export interface StartIntegrationOptions extends IntegrationSettings {
  /** Features to merge, in plan order; each has a branch `baton/<id>`. */
  features: readonly string[];
  /** Selected features without a branch: listed as not run. */
  notRun: readonly string[];
  /** The commit integration starts from. */
  base: string;
  /** Where the integration worktree goes when there is none yet. */
  worktreePath: string;
  fresh: boolean;
}

/** Selected ids in plan order, split into those with a branch and those without (pure). */
export function orderForIntegration(
  plan: Plan,
  selected: readonly string[] | undefined,
  hasBranch: (id: string) => boolean,
): { order: string[]; notRun: string[] } {
  const wanted = selected === undefined ? undefined : new Set(selected);
  const ids = plan.order.filter((id) => wanted === undefined || wanted.has(id));
  return { order: ids.filter(hasBranch), notRun: ids.filter((id) => !hasBranch(id)) };
}

/** Features in `among` that depend on `id`, directly or through others (pure). */
export function dependentsOf(plan: Plan, id: string, among: readonly string[]): string[] {
  const out = new Set<string>();
  let frontier = [id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const f of among) {
      if (out.has(f) || f === id) continue;
      const deps = plan.byId.get(f)?.depends_on.features ?? [];
      if (frontier.some((x) => deps.includes(x))) {
        out.add(f);
        next.push(f);
      }
    }
    frontier = next;
  }
  return among.filter((f) => out.has(f));
}

/** The mutable record of one invocation, threaded through the explicit steps below. */
interface Run {
  s: IntegrationSettings;
  policy: ConflictPolicy;
  test: string | undefined;
  worktree: string;
  base: string | undefined;
  order: string[];
  changed: Record<string, readonly string[]>;
  /** Features merged so far (earlier invocations included), in merge order. */
  merged: string[];
  steps: Map<string, MergeStep>;
  tests: TestRun[];
  startedAt: number;
  notes: string[];
  backup?: string;
}

/** Why the merge loop stopped early. */
type Halt =
  | { kind: 'conflict'; report: IntegrationResult['conflict'] & {} }
  | { kind: 'tests-failed'; run: TestRun };

function emit(run: Run, event: NewEvent): void {
  const stamped = appendEvent(
    run.s.logPath,
    run.s.runId && !('run_id' in event) ? ({ ...event, run_id: run.s.runId } as NewEvent) : event,
    run.s.clock,
  );
  run.s.onEvent?.(stamped);
}

const now = (run: Run): number => run.s.clock().getTime();

function contractOf(plan: Plan, id: string): Contract {
  const c = plan.byId.get(id);
  if (!c) throw new UserError('integrate/unknown-feature', `feature ${id} is not in the plan`);
  return c;
}

/**
 * Integrates features from scratch: prepares the integration worktree, then merges each feature
 * in plan order with `--no-ff`, runs the tests after each merge, handles conflicts by the chosen
 * policy, runs the `after: integration` criteria, and fast-forwards `into` when all is well.
 */
export async function startIntegration(o: StartIntegrationOptions): Promise<IntegrationResult> {
  const run: Run = {
    s: o,
    policy: o.onConflict ?? 'stop',
    test: o.test,
    worktree: o.worktreePath,
    base: o.base,
    order: [...o.features],
    changed: {},
    merged: [],
    steps: new Map(),
    tests: [],
    startedAt: 0,
    notes: [],
  };
  // A refusal here (an earlier result, a merge being resolved) records nothing.
  const wt = await prepareIntegrationWorktree({
    root: o.root,
    path: o.worktreePath,
    branch: o.branch,
    base: o.base,
    fresh: o.fresh,
    stamp: o.clock().toISOString().replace(/[:.]/g, '-'),
  });
  run.worktree = wt.path;
  if (wt.backup) run.backup = wt.backup;
  emit(run, { type: 'phase.started', phase: 'integration' });
  try {
    const changes = await collectBranchChanges(
      o.root,
      o.base,
      run.order.map((id) => ({ feature_id: id, branch: featureBranch(id) })),
    );
    run.changed = Object.fromEntries(changes.map((c) => [c.feature_id, c.files]));
    run.startedAt = now(run);
    emit(run, {
      type: 'integration.started',
      branch: o.branch,
      worktree: run.worktree,
      order: run.order,
      base_commit: o.base,
      ...(run.test ? { test: run.test } : {}),
      on_conflict: run.policy,
    });
    for (const id of o.notRun) {
      const reason = `not run: no branch ${featureBranch(id)}`;
      run.steps.set(id, { feature_id: id, status: 'not-run', reason });
      emit(run, { type: 'merge.skipped', feature_id: id, reason });
    }
    return await finish(run, await mergeQueue(run, run.order));
  } finally {
    emit(run, { type: 'phase.ended', phase: 'integration' });
  }
}

/** Options of `continueIntegration`. */
export type ContinueIntegrationOptions = IntegrationSettings;

/**
 * Goes on with an integration that stopped at a conflict, once a person resolved it: commits the
 * resolved merge (refusing while unmerged paths or conflict markers remain), tests it, and merges
 * the rest. An integration that was interrupted goes on from its last recorded merge. What came
 * before is read back from the log.
 */
export async function continueIntegration(o: ContinueIntegrationOptions): Promise<IntegrationResult> {
  const events = readLog(o.logPath, undefined, { final: true }).events;
  let startIndex = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]?.type === 'integration.started') {
      startIndex = i;
      break;
    }
  }
  if (startIndex === -1) {
    throw new UserError('integrate/nothing-to-continue', 'no integration to continue: the log records none', {
      hint: 'Start one with `baton integrate`.',
    });
  }
  const started = events[startIndex] as IntegrationStarted;
  const state = foldEvents(events.slice(startIndex)).integration;
  const latest = new Map<string, (typeof state.merges)[number]>();
  for (const m of state.merges) latest.set(m.feature_id, m);
  const pending = [...latest.values()].find((m) => m.outcome === 'conflict');
  // Without a conflict to resolve, only an integration that never recorded its end (Baton was
  // interrupted or killed) can go on.
  if (!pending && state.outcome !== undefined) {
    throw new UserError(
      'integrate/nothing-to-continue',
      `the last integration is not stopped at a conflict (it ended: ${state.outcome})`,
      { hint: 'Start a new one with `baton integrate --fresh`.' },
    );
  }
  if (!existsSync(started.worktree)) {
    throw new UserError(
      'integrate/worktree-missing',
      `the integration worktree ${started.worktree} is gone`,
      {
        hint: 'Start over with `baton integrate --fresh`.',
      },
    );
  }
  const policy = o.onConflict ?? (isPolicy(started.on_conflict) ? started.on_conflict : 'stop');
  const run: Run = {
    s: o,
    policy,
    test: o.test ?? started.test,
    worktree: started.worktree,
    base: started.base_commit,
    order: [...started.order],
    changed: {},
    merged: [],
    steps: new Map(),
    tests: [],
    startedAt: Date.parse(started.ts),
    notes: [],
  };
  for (const m of state.merges) {
    if (m.outcome === 'clean') {
      run.merged.push(m.feature_id);
      run.steps.set(m.feature_id, {
        feature_id: m.feature_id,
        status: 'merged',
        commit: m.commit ?? '',
        duration_ms: m.duration_ms ?? 0,
      });
    } else if (m.outcome === 'skipped') {
      const notRun = m.reason?.startsWith('not run') ?? false;
      run.steps.set(m.feature_id, {
        feature_id: m.feature_id,
        status: notRun ? 'not-run' : 'skipped',
        reason: m.reason ?? '',
      });
    }
  }
  if (run.base) {
    const exists = await Promise.all(run.order.map((id) => branchExists(o.root, featureBranch(id))));
    const present = run.order.filter((_, i) => exists[i]);
    const changes = await collectBranchChanges(
      o.root,
      run.base,
      present.map((id) => ({ feature_id: id, branch: featureBranch(id) })),
    );
    run.changed = Object.fromEntries(changes.map((c) => [c.feature_id, c.files]));
  }

  if (!pending && (await mergeInProgress(run.worktree))) {
    throw new UserError(
      'integrate/merge-in-progress',
      `a merge is in progress in ${run.worktree} that the log does not record (was Baton interrupted?)`,
      {
        hint: `Discard it (git -C ${run.worktree} merge --abort), then run \`baton integrate --continue\` again.`,
      },
    );
  }

  emit(run, { type: 'phase.started', phase: 'integration' });
  try {
    if (!pending) {
      // Interrupted: test the last merge if its tests never reported, then merge the rest.
      const last = run.merged.at(-1);
      if (last && !state.tests.some((t) => t.after_feature === last)) {
        const tested = await testAfter(run, last);
        if (tested && !tested.passed) return await finish(run, { kind: 'tests-failed', run: tested });
      }
      return await finish(
        run,
        await mergeQueue(
          run,
          run.order.filter((f) => !run.steps.has(f)),
        ),
      );
    }
    const id = pending.feature_id;
    const resolved = await commitResolution(run, id, pending.files);
    const duration = now(run) - Date.parse(pending.ts);
    run.merged.push(id);
    run.steps.set(id, {
      feature_id: id,
      status: 'merged',
      commit: resolved,
      duration_ms: duration,
      resolved: 'by-hand',
    });
    emit(run, { type: 'merge.clean', feature_id: id, commit: resolved, duration_ms: duration });
    const tested = await testAfter(run, id);
    if (tested && !tested.passed) return await finish(run, { kind: 'tests-failed', run: tested });
    const done = new Set([...run.steps.keys(), id]);
    return await finish(
      run,
      await mergeQueue(
        run,
        run.order.filter((f) => !done.has(f)),
      ),
    );
  } finally {
    emit(run, { type: 'phase.ended', phase: 'integration' });
  }
}

function isPolicy(x: unknown): x is ConflictPolicy {
  return typeof x === 'string' && (CONFLICT_POLICIES as readonly string[]).includes(x);
}

/** Commits a merge a person resolved, or accepts the merge commit they made themselves. */
async function commitResolution(run: Run, id: string, files: readonly string[]): Promise<string> {
  const wt = run.worktree;
  if (await mergeInProgress(wt)) {
    const unmerged = await unmergedPaths(wt);
    if (unmerged.length > 0) {
      throw new UserError(
        'integrate/unresolved',
        `the merge of ${featureBranch(id)} still has unmerged paths: ${unmerged.join(', ')}`,
        {
          hint: `Resolve them in ${wt}, mark each with \`git add <file>\`, then run \`baton integrate --continue\`.`,
        },
      );
    }
    const staged = (await statusEntries(wt)).map((e) => e.path);
    const marked = filesWithConflictMarkers(wt, [...new Set([...files, ...staged])]);
    if (marked.length > 0) {
      throw new UserError(
        'integrate/conflict-markers',
        `conflict markers remain in ${marked.join(', ')} (lines starting with <<<<<<< or >>>>>>>)`,
        {
          hint: `Finish resolving them in ${wt}, \`git add\` them, then run \`baton integrate --continue\`.`,
        },
      );
    }
    return commitMerge(wt);
  }
  const head = await git(wt, ['rev-parse', 'HEAD']);
  if (await isAncestor(run.s.root, featureBranch(id), head)) return head; // committed by hand already
  throw new UserError(
    'integrate/merge-gone',
    `no merge is in progress in ${wt} and ${featureBranch(id)} is not merged there (was the merge aborted?)`,
    {
      hint: `Merge it again by hand (git -C ${wt} merge ${featureBranch(id)}), resolve, and run \`baton integrate --continue\`; or start over with \`baton integrate --fresh --on-conflict skip\`.`,
    },
  );
}

/** Merges each feature of `queue` in turn; returns why it stopped early, if it did. */
async function mergeQueue(run: Run, queue: readonly string[]): Promise<Halt | undefined> {
  for (const id of queue) {
    if (run.steps.has(id)) continue; // skipped along with a dependency
    const halt = await mergeOne(run, id);
    if (halt) return halt;
    const step = run.steps.get(id);
    if (step?.status !== 'merged') continue;
    const tested = await testAfter(run, id);
    if (tested && !tested.passed) return { kind: 'tests-failed', run: tested };
  }
  return undefined;
}

/** One `git merge --no-ff baton/<id>`, with the conflict policy applied. */
async function mergeOne(run: Run, id: string): Promise<Halt | undefined> {
  const feature = contractOf(run.s.plan, id);
  const t0 = now(run);
  const title = feature.title && feature.title !== id ? ` (${feature.title})` : '';
  const outcome = await mergeNoFf(run.worktree, featureBranch(id), `Merge ${featureBranch(id)}${title}`);
  if (outcome.kind !== 'conflict') {
    const duration = now(run) - t0;
    run.merged.push(id);
    run.steps.set(id, {
      feature_id: id,
      status: 'merged',
      commit: outcome.commit,
      duration_ms: duration,
      ...(outcome.kind === 'up-to-date' ? { already: true } : {}),
    });
    emit(run, { type: 'merge.clean', feature_id: id, commit: outcome.commit, duration_ms: duration });
    return undefined;
  }

  const files = outcome.files;
  const withIds = featuresTouching(files, run.merged, run.changed);
  const duration = now(run) - t0;
  emit(run, { type: 'merge.conflict', feature_id: id, files, with: withIds, duration_ms: duration });
  const report: ConflictReport = {
    feature_id: id,
    files,
    with: withIds,
    owners: ownersByFile(files, run.s.plan.features),
    index: run.order.indexOf(id) + 1,
    total: run.order.length,
    worktree: run.worktree,
    branch: run.s.branch,
  };
  run.steps.set(id, { feature_id: id, status: 'conflict', files, with: withIds, duration_ms: duration });

  switch (run.policy) {
    case 'stop':
      return { kind: 'conflict', report };
    case 'skip': {
      await abortMerge(run.worktree);
      skip(
        run,
        id,
        `conflicts with ${withIds.length > 0 ? withIds.join(', ') : 'the integration'} in ${files.join(', ')}`,
      );
      return undefined;
    }
    case 'agent':
      return resolveByAgent(run, id, feature, report, t0);
    default:
      return unreachable(run.policy);
  }
}

/** Records a feature and everything depending on it (among the features still to merge) as skipped. */
function skip(run: Run, id: string, reason: string): void {
  run.steps.set(id, { feature_id: id, status: 'skipped', reason });
  emit(run, { type: 'merge.skipped', feature_id: id, reason });
  const rest = run.order.filter((f) => !run.steps.has(f));
  for (const dep of dependentsOf(run.s.plan, id, rest)) {
    const why = `depends on skipped ${id}`;
    run.steps.set(dep, { feature_id: dep, status: 'skipped', reason: why });
    emit(run, { type: 'merge.skipped', feature_id: dep, reason: why });
  }
}

/** Hands the conflict to the resolver; continues only if it left no unmerged path and no marker. */
async function resolveByAgent(
  run: Run,
  id: string,
  feature: Contract,
  report: ConflictReport,
  t0: number,
): Promise<Halt | undefined> {
  const resolver = run.s.resolver;
  if (!resolver) {
    throw new UserError(
      'integrate/no-resolver',
      'the agent conflict policy needs an agent to resolve conflicts',
      {
        hint: 'Configure `agent` in baton.config.json, or use --on-conflict stop.',
      },
    );
  }
  const others = report.with.map((w) => contractOf(run.s.plan, w));
  const task = buildConflictTask(report, feature, others);
  const { exitCode } = await resolver({ worktree: run.worktree, files: report.files, feature, others, task });
  const wt = run.worktree;
  let unresolved: string[];
  if (await mergeInProgress(wt)) {
    const cleared = report.files.filter((f) => !filesWithConflictMarkers(wt, [f]).length);
    // An agent that edited the files but forgot `git add` still resolved them; one that failed did not.
    if (exitCode === 0) {
      const stillUnmerged = new Set(await unmergedPaths(wt));
      await stagePaths(
        wt,
        cleared.filter((f) => stillUnmerged.has(f)),
      );
    }
    const staged = (await statusEntries(wt)).map((e) => e.path);
    unresolved = [
      ...new Set([
        ...(await unmergedPaths(wt)),
        ...filesWithConflictMarkers(wt, [...new Set([...report.files, ...staged])]),
      ]),
    ];
  } else {
    const head = await git(wt, ['rev-parse', 'HEAD']);
    unresolved = (await isAncestor(run.s.root, featureBranch(id), head)) ? [] : report.files;
  }
  if (unresolved.length > 0 || exitCode !== 0) {
    return { kind: 'conflict', report: { ...report, unresolved, resolver_exit: exitCode } };
  }
  const commit = (await mergeInProgress(wt)) ? await commitMerge(wt) : await git(wt, ['rev-parse', 'HEAD']);
  const leftovers = (await statusEntries(wt)).filter((e) => e.code !== '??');
  if (leftovers.length > 0) {
    run.notes.push(
      `the agent left uncommitted changes in ${wt} outside the merge: ${leftovers.map((e) => e.path).join(', ')}`,
    );
    return {
      kind: 'conflict',
      report: { ...report, unresolved: leftovers.map((e) => e.path), resolver_exit: exitCode },
    };
  }
  const duration = now(run) - t0;
  run.merged.push(id);
  run.steps.set(id, {
    feature_id: id,
    status: 'merged',
    commit,
    duration_ms: duration,
    resolved: 'by-agent',
  });
  emit(run, { type: 'merge.clean', feature_id: id, commit, duration_ms: duration });
  return undefined;
}

/** Runs the test command in the integration worktree after merging `id`; undefined without one. */
async function testAfter(run: Run, id: string): Promise<TestRun | undefined> {
  if (!run.test) return undefined;
  const port = portBlockFor(run.s.plan.order.length, run.s.portBase).port;
  const child = spawnSupervised(run.test, {
    cwd: run.worktree,
    env: { ...run.s.env, PORT: String(port), BATON_INTEGRATION: '1', BATON_AFTER_FEATURE: id },
    shell: true,
    timeoutMs: run.s.testTimeoutMs,
  });
  const exit = await child.exited;
  const passed = exit.exitCode === 0 && !exit.timedOut;
  const output = tailLines(`${exit.stdout}${exit.stdout && exit.stderr ? '\n' : ''}${exit.stderr}`, 20);
  const result: TestRun = {
    after_feature: id,
    index: run.order.indexOf(id) + 1,
    total: run.order.length,
    passed,
    exit_code: exit.exitCode,
    exit: describeExit(exit, run.s.testTimeoutMs),
    output_tail: output,
    duration_ms: exit.durationMs,
  };
  run.tests.push(result);
  emit(run, {
    type: 'integration.tested',
    after_feature: id,
    passed,
    exit_code: exit.exitCode,
    output_tail: output,
    duration_ms: exit.durationMs,
  });
  return result;
}

/** Runs the integration criteria, decides the outcome, moves `into`, and records the end. */
async function finish(run: Run, halt: Halt | undefined): Promise<IntegrationResult> {
  const checks: Record<string, CheckTally> = {};
  if (!halt) {
    for (const id of run.merged) {
      const feature = contractOf(run.s.plan, id);
      const criteria = feature.acceptance_criteria.filter((c) => c.after === 'integration');
      if (criteria.length === 0) continue;
      if (!run.s.runChecks) {
        checks[id] = { passed: 0, failed: 0, unverifiable: criteria.length, total: criteria.length };
        run.notes.push(`${id}: ${criteria.length} after-integration criteria were not run (no check runner)`);
        continue;
      }
      const index = Math.max(0, run.s.plan.order.indexOf(id));
      const port = portBlockFor(index, run.s.portBase).port;
      checks[id] = await run.s.runChecks({ feature, cwd: run.worktree, port });
    }
  }
  const tallies = Object.values(checks);
  const skipped = [...run.steps.values()].some((s) => s.status === 'skipped');
  const outcome: IntegrationEnded['outcome'] = halt
    ? halt.kind
    : tallies.some((t) => t.failed > 0)
      ? 'checks-failed'
      : skipped
        ? 'partial'
        : 'clean';
  if (!run.test) run.notes.push('no test command (config `test` or --test): merges were not tested');
  const commit = await git(run.worktree, ['rev-parse', 'HEAD']);
  const duration = now(run) - run.startedAt;

  let into: IntoResult | undefined;
  if (run.s.into) into = await moveInto(run, run.s.into, outcome, tallies, commit);

  emit(run, {
    type: 'integration.ended',
    outcome,
    duration_ms: duration,
    commit,
    ...(into?.moved ? { into: into.branch } : {}),
  });
  const result: IntegrationResult = {
    outcome,
    branch: run.s.branch,
    worktree: run.worktree,
    base: run.base,
    order: run.order,
    steps: [...orderedSteps(run)],
    tests: run.tests,
    checks,
    commit,
    duration_ms: duration,
    notes: run.notes,
  };
  if (halt?.kind === 'tests-failed') result.tests_failed_after = halt.run;
  if (halt?.kind === 'conflict') result.conflict = halt.report;
  if (into) result.into = into;
  if (run.backup) result.backup = run.backup;
  return result;
}

function* orderedSteps(run: Run): Iterable<MergeStep> {
  for (const id of run.order) {
    const s = run.steps.get(id);
    if (s) yield s;
  }
  for (const [id, s] of run.steps) if (!run.order.includes(id)) yield s;
}

/** Fast-forwards `branch` only when every merge ended clean and every test and check passed. */
async function moveInto(
  run: Run,
  branch: string,
  outcome: IntegrationEnded['outcome'],
  tallies: CheckTally[],
  commit: string,
): Promise<IntoResult> {
  const refuse = (reason: string, hint?: string): IntoResult => ({
    branch,
    moved: false,
    reason,
    ...(hint ? { hint } : {}),
  });
  const failedTest = run.tests.find((t) => !t.passed);
  if (failedTest) return refuse(`tests failed after merging ${failedTest.after_feature}`);
  if (outcome !== 'clean') return refuse(`the integration ended ${outcome}`);
  const unverifiable = tallies.reduce((n, t) => n + t.unverifiable, 0);
  if (unverifiable > 0) {
    return refuse(
      `${unverifiable} after-integration criteria are unverifiable, so not every check passed`,
      'Give each criterion a `run`, `http` or `files` check.',
    );
  }
  try {
    return { branch, moved: true, fast_forward: await fastForwardBranch(run.s.root, branch, commit) };
  } catch (err) {
    if (err instanceof UserError) return refuse(err.message, err.hint);
    throw err;
  }
}
