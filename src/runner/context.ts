import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import type { AttemptPlan } from '../attempts/plan.js';
import { featureOfUnit, parseAttemptUnitId } from '../contracts/feature-id.js';
import { compileOwns, type OwnsMatcher } from '../contracts/owns.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import { attemptBranch, featureBranch, pickBackupRef, restartBackupRef } from '../git/refs.js';
import type { StatusEntry } from '../git/status.js';
import { CheckoutWatch, type OwnsPath } from '../guard/checkout-watch.js';
import { RepoGuard } from '../guard/repo-guard.js';
import type { RepoSnapshot } from '../guard/repo-snapshot.js';
import type { AdoptedWindow } from '../interactive/adopt.js';
import { createMutex } from '../lock/mutex.js';
import type { FeatureEnded, FeatureStatus } from '../log/events.js';
import { unitFilesIn, unitRunDir } from '../log/paths.js';
import type { EventSink } from '../log/sink.js';
import type { Supervised } from '../process/supervise.js';
import { makeStateFolder } from '../state-write.js';
import { unitPortBlock } from '../unit-ports.js';
import { unitWorktree } from '../unit-worktree.js';
import { type Escapes, escapeLooker } from './escapes.js';
import type { FeaturePaths } from './preflight.js';
import type { FinishedAgent } from './resume.js';
import type { RunOptions } from './run.js';
import { buildTaskPrompt } from './task.js';
import { unitContract } from './units.js';

/** How a feature ended in this run. */
export interface FeatureResult {
  status: FeatureEnded['status'];
  reason?: string;
  /** The user stopped its agent (`baton stop`), which does not fail the run (`runOutcome`). */
  stoppedByUser?: true;
  /** Not started because a dependency was stopped by the user, which does not fail the run either. */
  waitsOnStop?: true;
}

/** Everything the features of one run share: options, the run's sink, paths, agents and locks. */
export interface RunContext {
  readonly opts: RunOptions;
  readonly runId: string;
  /** The run's sink: stamps the run id on every event. */
  readonly sink: EventSink;
  readonly baseCommit: string;
  /** With `--wait-for-deps`: dependencies outside the run whose work the base holds (no branch to merge). */
  readonly depsInBase: ReadonlySet<string>;
  readonly agents: ReadonlyMap<string, { spec: AgentSpec; adapter: AgentAdapter }>;
  /** Each feature's status before this run, when resuming. */
  readonly previous: ReadonlyMap<string, FeatureStatus>;
  /** Features whose agent had finished, its work committed, when their checks were cut short (resume.ts). */
  readonly finishedAgents: ReadonlyMap<string, FinishedAgent>;
  /** Features whose agent an earlier run started and never logged the end of, by that run's id (resume.ts). */
  readonly cutOffAgents: ReadonlyMap<string, string>;
  /** Best-of-N features of this run and their attempts' plan. */
  readonly bestOfN: ReadonlyMap<string, AttemptPlan>;
  /** The contract a unit works to: a feature's, or an attempt's copy carrying its unit id (`<id>.a<n>`). */
  contractOf(id: string): Contract;
  /** Windows of a dead orchestrator of this run that this one follows instead of starting the agent (interactive/adopt.ts). */
  readonly adopted: ReadonlyMap<string, AdoptedWindow>;
  readonly selected: ReadonlySet<string>;
  readonly results: Map<string, FeatureResult>;
  /** Every process of the run still going, so Ctrl-C stops them all. */
  readonly running: Set<Supervised>;
  pathsOf(id: string): FeaturePaths;
  /** The feature's port block. */
  portOf(id: string): { port: number; base: number };
  taskOf(id: string, scratchDir: string, env: NodeJS.ProcessEnv): AgentTask;
  /** Runs git work that touches the shared repository's admin files one at a time. */
  gitLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Records how a feature ended and wakes the features waiting for it (no event). */
  settle(id: string, result: FeatureResult): void;
  /** Resolves when `id` has a result, or the run is interrupted. */
  waitFor(id: string): Promise<void>;
  /**
   * Files newly changed in the main checkout and changes to the shared config or other refs, each
   * reported once with the agent it is attributed to (or `unknown`); looked at only when no agent is
   * running, so once per wave, not per agent.
   */
  findEscapes(): Promise<Escapes>;
  /** The shared git config and every ref outside the features' own branches, snapshotted before the agents. */
  readonly repoGuard: RepoGuard;
}

/** What `createRunContext` is given. */
export interface RunContextInit {
  opts: RunOptions;
  runId: string;
  sink: EventSink;
  stateDir: string;
  baseCommit: string;
  depsInBase?: ReadonlySet<string>;
  agents: ReadonlyMap<string, { spec: AgentSpec; adapter: AgentAdapter }>;
  previous: ReadonlyMap<string, FeatureStatus>;
  finishedAgents?: ReadonlyMap<string, FinishedAgent>;
  cutOffAgents?: ReadonlyMap<string, string>;
  adopted?: ReadonlyMap<string, AdoptedWindow>;
  bestOfN?: ReadonlyMap<string, AttemptPlan>;
  /** Every unit of the run (features and attempts), for the branches the repository guard expects to change. */
  unitIds?: readonly string[];
  /** The refs and config as the preflight saw them: the repository guard's baseline (else taken here). */
  repoBaseline?: RepoSnapshot;
  /** The main checkout's status as the preflight saw it: the escape watch's baseline (else taken here). */
  checkoutBaseline?: readonly StatusEntry[];
}

/** Builds the shared context of a run whose preflight passed. */
export async function createRunContext(init: RunContextInit): Promise<RunContext> {
  const { opts, runId, stateDir } = init;
  const ownBranches = [...new Set([...opts.featureIds, ...(init.unitIds ?? [])])].map(unitBranch);
  const [checkoutWatch, repoGuard] = await Promise.all([
    CheckoutWatch.start(opts.root, Date.now(), init.checkoutBaseline, ownsPath(opts.plan)),
    // Baton's own backups: of a restarted branch, and of what best-of-N's choice moves baton/<id> off.
    RepoGuard.start(
      opts.root,
      ownBranches,
      init.repoBaseline,
      (ref) =>
        (opts.restart ?? []).some((id) => ref.startsWith(restartBackupRef(id, ''))) ||
        [...(init.bestOfN?.keys() ?? [])].some((id) => ref.startsWith(pickBackupRef(id, ''))),
    ),
  ]);
  const pathsOf = (id: string): FeaturePaths => featurePaths(opts.config.worktrees, stateDir, runId, id);
  const portOf = (id: string) => unitPortBlock(opts.plan, id, opts.config.port_base);
  return {
    ...init,
    adopted: init.adopted ?? new Map(),
    finishedAgents: init.finishedAgents ?? new Map(),
    cutOffAgents: init.cutOffAgents ?? new Map(),
    bestOfN: init.bestOfN ?? new Map(),
    depsInBase: init.depsInBase ?? new Set(),
    contractOf: (id) => unitContract(opts.plan, id),
    repoGuard,
    selected: new Set(opts.featureIds),
    running: new Set(),
    pathsOf,
    portOf,
    taskOf: (id, scratchDir, env) => taskFor(init, pathsOf(id), portOf(id), id, scratchDir, env),
    gitLock: createMutex(),
    ...resultBoard(opts.signal),
    findEscapes: escapeLooker(opts.root, checkoutWatch, repoGuard, opts.signal),
  };
}

/** Whether a feature of the plan owns a path: its contract's `owns`, compiled once per feature. */
function ownsPath(plan: RunOptions['plan']): OwnsPath {
  const matchers = new Map<string, OwnsMatcher>();
  return (featureId, path) => {
    let match = matchers.get(featureId);
    if (match === undefined) {
      match = compileOwns(plan.byId.get(featureId)?.owns ?? []);
      matchers.set(featureId, match);
    }
    return match(path);
  };
}

/** The results of a run's features, and waiting for one (`--wait-for-deps`); an interrupt wakes every waiter. */
function resultBoard(signal: AbortSignal): Pick<RunContext, 'results' | 'settle' | 'waitFor'> {
  const results = new Map<string, FeatureResult>();
  const waiters = new Map<string, Array<() => void>>();
  const wake = (id: string) => {
    for (const w of waiters.get(id) ?? []) w();
    waiters.delete(id);
  };
  signal.addEventListener('abort', () => {
    for (const id of [...waiters.keys()]) wake(id);
  });
  return {
    results,
    settle(id, result) {
      results.set(id, result);
      wake(id);
    },
    waitFor(id) {
      if (results.has(id) || signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const list = waiters.get(id) ?? [];
        list.push(resolve);
        waiters.set(id, list);
      });
    },
  };
}

/** A unit's task for its agent: the prompt, its files, ports and environment. */
function taskFor(
  init: RunContextInit,
  p: FeaturePaths,
  block: { port: number; base: number },
  id: string,
  scratchDir: string,
  env: NodeJS.ProcessEnv,
): AgentTask {
  const { opts } = init;
  const feature = unitContract(opts.plan, id);
  const { adapter } = init.agents.get(id)!;
  // An attempt's agent reads the feature's own contract; only its branch and ports are its own.
  const asWritten = opts.plan.byId.get(featureOfUnit(id)) ?? feature;
  return {
    feature,
    prompt: buildTaskPrompt(asWritten, { branch: p.branch, port: block.port, portBase: block.base }),
    taskFile: p.taskFile,
    scratchDir,
    worktree: p.worktree,
    runId: init.runId,
    logPath: opts.logPath,
    batonCommand: opts.batonCommand,
    port: block.port,
    portBase: block.base,
    env,
    config: opts.config,
    override: opts.config.agents[adapter.name],
  };
}

/** Where Baton keeps one feature's files for one run (outside the worktree). */
export function featurePaths(worktrees: string, stateDir: string, runId: string, id: string): FeaturePaths {
  return {
    worktree: unitWorktree(worktrees, id),
    branch: unitBranch(id),
    stateDir,
    ...unitFilesIn(unitRunDir(stateDir, runId, id)),
  };
}

/** A unit's branch: `baton/<feature_id>`, or an attempt's `baton/<feature_id>.a<n>`. */
export function unitBranch(id: string): string {
  const attempt = parseAttemptUnitId(id);
  return attempt ? attemptBranch(attempt.featureId, attempt.attempt) : featureBranch(id);
}

/** Creates the feature's folder of run files, no link an agent planted under `.baton/` followed. */
export function makeFeatureDir(p: FeaturePaths): void {
  makeStateFolder(p.stateDir, p.scratchDir);
}
