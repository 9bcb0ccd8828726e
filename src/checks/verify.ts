import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Config } from '../config-schema.js';
import { unitEnvironment } from '../contracts/feature-id.js';
import type { Contract, Criterion } from '../contracts/schema.js';
import { unreachable } from '../errors.js';
import type { Clock } from '../log/append.js';
import type { CheckPlace } from '../log/event-fields.js';
import type {
  BatonEvent,
  CheckFailed,
  CheckMeasurement,
  CheckPassed,
  CheckUnverifiable,
} from '../log/events.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import { escapeControl } from '../text/escape.js';
import {
  type CheckoutState,
  hiddenEntriesVerdict,
  isDirty,
  keepCheckout,
  probeCheckout,
} from './checkout-probe.js';
import { criteriaFor } from './criteria.js';
import { type BranchDiff, runFilesCheck } from './files-check.js';
import { runHttpCheck } from './http-check.js';
import { type CheckVerdict, checkEventOf, judgeRun, judgeUnverifiable } from './judge.js';
import { applyOwnsPolicy, OWNS_CRITERION_ID } from './owns-criterion.js';
import { runCommand } from './run-check.js';

export { criteriaFor } from './criteria.js';

/** Where and how to verify one feature. */
export interface VerifyFeatureOptions {
  contract: Contract;
  /** Where commands run: the feature worktree, or the integration worktree. */
  cwd: string;
  /**
   * Which criteria: `after: integration` ones only run with 'integration'; the others with 'worktree',
   * and again with 'promotion' (on the integration result, before `--into` moves a branch; `criteriaFor`).
   */
  on: CheckPlace;
  /** The feature's PORT (its block: port..port+9). */
  port: number;
  /** For files.untouched_outside_owns: the diff of `branch` from its merge base with `base`, or from `start`. */
  diff?: BranchDiff;
  /** The files the branch changed, when the caller already knows them (the runner does): no second diff. */
  changed?: readonly string[];
  config: Config;
  logPath: string;
  /** Where the check events go; a sink writing `logPath` when none is given. */
  sink?: EventSink;
  runId?: string;
  clock?: Clock;
  /** Base environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C: stop whatever is running (servers, commands), whole process groups. */
  signal?: AbortSignal;
  /**
   * Told what the person watching should know and no check event says: a check's output file Baton
   * would not write (a link an agent planted under `.baton/checks/`). On stderr when not given.
   */
  onWarning?: (message: string) => void;
  /**
   * On a worktree: the commit checked, when the caller knows it (the run, right after its commit);
   * otherwise the worktree's HEAD is read, and whether the worktree differs from it (tracked changes,
   * or untracked files that are not ignored).
   */
  checked?: { commit: string };
}

/** The check events of one feature's verification, counted. */
export interface CheckReport {
  feature_id: string;
  passed: number;
  failed: number;
  unverifiable: number;
  /** Criteria selected for this verification (`on`), run or not. */
  total: number;
  /** The failed criteria in the order they ran, with their messages. */
  failures: Array<{ criterion_id: string; message: string }>;
  /** What each criterion measured, by criterion id. */
  measured: Record<string, CheckMeasurement>;
  events: BatonEvent[];
  /** Set when `signal` stopped the verification: the criteria after the last event did not run. */
  interrupted?: true;
}

/** A check event, as appended. */
export type CheckEvent = CheckPassed | CheckFailed | CheckUnverifiable;

/** Where a check's process output is kept, beside the log, so a failure can be read in full. */
export function checkOutputPath(
  logPath: string,
  featureId: string,
  criterionId: string,
  on: CheckPlace,
): string {
  return join(
    dirname(logPath),
    'checks',
    featureId,
    `${outputFileStem(criterionId)}${on === 'worktree' ? '' : `.${on}`}.log`,
  );
}

/**
 * A criterion id as a file name: kept as is when it is already safe (`latency`); otherwise its
 * unsafe runs become `-` and a short hash of the id is added (`a b` → `a-b-<hash>`), so two ids that
 * differ only in punctuation (`a b`, `a/b`) never share, and overwrite, one output file.
 */
function outputFileStem(criterionId: string): string {
  const safe = criterionId.replace(/[^A-Za-z0-9._-]+/g, '-');
  if (safe === criterionId) return safe;
  return `${safe}-${createHash('sha256').update(criterionId).digest('hex').slice(0, 8)}`;
}

/**
 * Runs a feature's acceptance criteria one after another (so a latency check never shares the
 * machine with the feature's own test run), emitting one `check.*` event per criterion through the
 * sink as soon as it is known (so `baton run` shows it live), and returns them counted.
 */
export async function verifyFeature(opts: VerifyFeatureOptions): Promise<CheckReport> {
  const { contract } = opts;
  const criteria = criteriaFor(contract, opts.on);
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    PORT: String(opts.port),
    // The block is port..port+9, as the agent was told; a server may need more than one port.
    BATON_PORT_BASE: String(opts.port),
    // A run's attempt is checked under its unit id; its commands see the feature's, as `baton verify` gives.
    ...unitEnvironment(contract.feature_id),
    // In a run, the run's id and log too: a resume of a killed run finds a server or check it left by
    // them, as its agents (the log says whose run: another repository's can have the same id).
    ...(opts.runId ? { BATON_RUN_ID: opts.runId, BATON_LOG: opts.logPath } : {}),
  };
  const sink =
    opts.sink ??
    createLogSink({
      logPath: opts.logPath,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.runId ? { runId: opts.runId } : {}),
    });
  const events: CheckEvent[] = [];
  // Every place a criterion runs is a worktree whose commit is what is judged: a feature's, or the
  // integration's (its criteria, and the worktree criteria run again before `--into` moves a branch).
  const before = await probeCheckout(opts.cwd);
  const checked = opts.on === 'worktree' ? checkedCommit(opts, before) : {};
  // Every event names the whole set, so the first one to land drops the results of criteria gone since.
  const ids = criteria.map((c) => c.id);
  let interrupted = false;
  for (const criterion of criteria) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const verdict = await checkOnCommit(criterion, opts, env, before);
    if (verdict === 'interrupted') {
      interrupted = true;
      break;
    }
    const event = sink.emit({
      ...checkEventOf(contract, criterion, verdict, opts.on),
      ...(opts.runId ? { run_id: opts.runId } : {}),
      ...checked,
      criteria: ids,
    }) as CheckEvent;
    events.push(event);
  }
  return {
    feature_id: contract.feature_id,
    passed: events.filter((e) => e.type === 'check.passed').length,
    failed: events.filter((e) => e.type === 'check.failed').length,
    unverifiable: events.filter((e) => e.type === 'check.unverifiable').length,
    total: criteria.length,
    failures: events
      .filter((e) => e.type === 'check.failed')
      .map((e) => ({ criterion_id: e.criterion_id, message: e.message })),
    measured: Object.fromEntries(events.flatMap((e) => (e.measured ? [[e.criterion_id, e.measured]] : []))),
    events,
    ...(interrupted ? { interrupted: true as const } : {}),
  };
}

/**
 * What worktree check events say they checked: the commit, and `dirty` when the worktree held
 * changes it lacks (untracked files and index entries hidden from git status included).
 */
function checkedCommit(opts: VerifyFeatureOptions, before: CheckoutState): { commit?: string; dirty?: true } {
  const commit = opts.checked?.commit ?? before.commit;
  // The run names the commit it made: a worktree whose HEAD is elsewhere is not that commit.
  const dirty = isDirty(before) || before.commit !== commit;
  return { ...(commit ? { commit } : {}), ...(dirty ? { dirty: true as const } : {}) };
}

/**
 * One criterion, held to the commit on a worktree (a feature's or the integration's): refused when
 * the index hides files from git status, and failed when a command or server left tracked files
 * changed, index entries newly hidden from git status, or HEAD moved (what ran after it was no
 * longer the commit). A worktree that already held tracked changes is recorded
 * `dirty` instead, which integrate refuses; new untracked files (build output) are allowed.
 */
async function checkOnCommit(
  criterion: Criterion,
  opts: VerifyFeatureOptions,
  env: NodeJS.ProcessEnv,
  before: CheckoutState,
): Promise<CheckVerdict | 'interrupted'> {
  if (before.hidden.length > 0) return hiddenEntriesVerdict(before, opts.cwd);
  const verdict = await checkCriterion(criterion, opts, env);
  const runsSomething = criterion.kind === 'run' || criterion.kind === 'http';
  if (verdict === 'interrupted' || !runsSomething) return verdict;
  if (before.failed !== undefined || before.changed.length > 0) return verdict;
  return keepCheckout(opts.cwd, before.commit, verdict);
}

/** A warning no caller asked to hear: said on stderr all the same, never dropped. */
function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${escapeControl(message)}\n`);
}

async function checkCriterion(
  criterion: Criterion,
  opts: VerifyFeatureOptions,
  env: NodeJS.ProcessEnv,
): Promise<CheckVerdict | 'interrupted'> {
  const timeoutMs = (criterion.timeout_s ?? opts.config.check_timeout_s) * 1000;
  const outputFile = checkOutputPath(opts.logPath, opts.contract.feature_id, criterion.id, opts.on);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const output = {
    outputFile,
    stateDir: dirname(opts.logPath),
    onWarning: (message: string) =>
      (opts.onWarning ?? warnOnStderr)(`${opts.contract.feature_id}, criterion ${criterion.id}: ${message}`),
  };
  switch (criterion.kind) {
    case 'run': {
      if (criterion.run === undefined) return judgeUnverifiable();
      const result = await runCommand({
        command: criterion.run,
        cwd: opts.cwd,
        env,
        timeoutMs,
        ...output,
        ...signal,
      });
      if (result.interrupted) return 'interrupted';
      return judgeRun(result, timeoutMs);
    }
    case 'http':
      if (criterion.http === undefined) return judgeUnverifiable();
      return runHttpCheck({
        check: criterion.http,
        ...(opts.contract.serve !== undefined ? { serve: opts.contract.serve } : {}),
        cwd: opts.cwd,
        env,
        port: opts.port,
        timeoutMs,
        ...output,
        ...signal,
      });
    case 'files': {
      if (criterion.files === undefined) return judgeUnverifiable();
      const verdict = await runFilesCheck({
        check: criterion.files,
        cwd: opts.cwd,
        owns: opts.contract.owns,
        ...(opts.diff ? { diff: opts.diff } : {}),
        ...(opts.changed ? { changed: opts.changed } : {}),
      });
      return criterion.id === OWNS_CRITERION_ID ? applyOwnsPolicy(verdict, opts.contract) : verdict;
    }
    case 'unverifiable':
      return judgeUnverifiable();
    default:
      return unreachable(criterion.kind);
  }
}

/** Options shared by every feature of a `verifyFeatures` call. */
export type VerifyManyOptions = Omit<VerifyFeatureOptions, 'contract' | 'cwd' | 'port' | 'diff'> & {
  /** Features verified at once. */
  concurrency: number;
  /** Called as each feature's verification ends, in completion order. */
  onReport?: (report: CheckReport) => void;
};

/**
 * Verifies several features with at most `concurrency` at once (each on its own port block),
 * returning their reports in the order the targets were given.
 */
export async function verifyFeatures(
  targets: ReadonlyArray<Pick<VerifyFeatureOptions, 'contract' | 'cwd' | 'port' | 'diff'>>,
  opts: VerifyManyOptions,
): Promise<CheckReport[]> {
  const { concurrency, onReport, ...common } = opts;
  const reports: CheckReport[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length && !opts.signal?.aborted) {
      const i = next++;
      const t = targets[i];
      if (!t) continue;
      const report = await verifyFeature({ ...common, ...t });
      reports[i] = report;
      onReport?.(report);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker));
  return reports.filter((r) => r !== undefined);
}

/** What the runner knows about a feature when its agent has exited. */
export interface AgentExitedFeature {
  feature: Contract;
  worktree: string;
  port: number;
  base: string;
  branch: string;
  runId: string;
  /** The files the agent's branch changed since its base, as the runner recorded them. */
  changed: readonly string[];
  /** Files its carried work brings that none of its dependencies owns (`BranchDiff.carried`). */
  carried?: readonly string[];
  /** The worktree's HEAD once the runner committed the agent's work: the commit checked. */
  commit?: string;
  signal: AbortSignal;
  /** The run's sink: check events reach the live progress and the log through it. */
  sink: EventSink;
}

/**
 * The verifier `baton run` calls right after each agent exits: the feature's worktree criteria,
 * in its worktree, on its port, diffed against the run's base.
 */
export function makeWorktreeVerifier(
  common: Pick<VerifyFeatureOptions, 'config' | 'logPath' | 'clock' | 'env' | 'onWarning'>,
): (input: AgentExitedFeature) => Promise<CheckReport> {
  return (input) =>
    verifyFeature({
      ...common,
      contract: input.feature,
      cwd: input.worktree,
      on: 'worktree',
      port: input.port,
      diff: { base: input.base, branch: input.branch, ...(input.carried ? { carried: input.carried } : {}) },
      changed: input.changed,
      ...(input.commit ? { checked: { commit: input.commit } } : {}),
      runId: input.runId,
      signal: input.signal,
      sink: input.sink,
    });
}
