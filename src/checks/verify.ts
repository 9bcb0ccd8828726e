import { dirname, join } from 'node:path';
import type { Config } from '../config-schema.js';
import type { Contract, Criterion } from '../contracts/schema.js';
import { unreachable } from '../errors.js';
import { appendEvent, type Clock } from '../log/append.js';
import type { BatonEvent, CheckFailed, CheckPassed, CheckUnverifiable } from '../log/events.js';
import type { Verifier } from '../runner/run.js';
import { runFilesCheck } from './files-check.js';
import { runHttpCheck } from './http-check.js';
import { type CheckVerdict, judgeRun, judgeUnverifiable } from './judge.js';
import { runCommand } from './run-check.js';

/** Where and how to verify one feature. */
export interface VerifyFeatureOptions {
  contract: Contract;
  /** Where commands run: the feature worktree, or the integration worktree. */
  cwd: string;
  /** Which criteria: `after: integration` ones only run with 'integration'; the others only with 'worktree'. */
  on: 'worktree' | 'integration';
  /** The feature's PORT (its block: port..port+9). */
  port: number;
  /** For files.untouched_outside_owns: the diff of `branch` against its merge base with `base`. */
  diff?: { base: string; branch: string };
  config: Config;
  logPath: string;
  runId?: string;
  clock?: Clock;
  /** Base environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C: stop whatever is running (servers, commands), whole process groups. */
  signal?: AbortSignal;
}

/** The check events of one feature's verification, counted. */
export interface CheckReport {
  feature_id: string;
  passed: number;
  failed: number;
  unverifiable: number;
  /** Criteria selected for this verification (`on`), run or not. */
  total: number;
  events: BatonEvent[];
  /** Set when `signal` stopped the verification: the criteria after the last event did not run. */
  interrupted?: true;
}

/** A check event, as appended. */
export type CheckEvent = CheckPassed | CheckFailed | CheckUnverifiable;

/** The criteria of a contract that run `on` a worktree or on the integration branch (pure). */
export function criteriaFor(contract: Contract, on: 'worktree' | 'integration'): Criterion[] {
  return contract.acceptance_criteria.filter((c) => (c.after === 'integration') === (on === 'integration'));
}

/** Where a check's process output is kept, beside the log, so a failure can be read in full. */
export function checkOutputPath(
  logPath: string,
  featureId: string,
  criterionId: string,
  on: 'worktree' | 'integration',
): string {
  const safe = criterionId.replace(/[^A-Za-z0-9._-]+/g, '-');
  return join(
    dirname(logPath),
    'checks',
    featureId,
    `${safe}${on === 'integration' ? '.integration' : ''}.log`,
  );
}

/**
 * Runs a feature's acceptance criteria one after another (so a latency check never shares the
 * machine with the feature's own test run), appending one `check.*` event per criterion as soon
 * as it is known, and returns them counted.
 */
export async function verifyFeature(opts: VerifyFeatureOptions): Promise<CheckReport> {
  const { contract } = opts;
  const criteria = criteriaFor(contract, opts.on);
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    PORT: String(opts.port),
    // The block is port..port+9, as the agent was told; a server may need more than one port.
    BATON_PORT_BASE: String(opts.port),
    BATON_FEATURE_ID: contract.feature_id,
  };
  const events: CheckEvent[] = [];
  let interrupted = false;
  for (const criterion of criteria) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const verdict = await checkCriterion(criterion, opts, env);
    if (verdict === 'interrupted') {
      interrupted = true;
      break;
    }
    const event = appendEvent(
      opts.logPath,
      {
        type: `check.${verdict.outcome}`,
        feature_id: contract.feature_id,
        criterion_id: criterion.id,
        text: criterion.text,
        kind: criterion.kind,
        on: opts.on,
        message: verdict.message,
        ...(verdict.measured && Object.keys(verdict.measured).length > 0
          ? { measured: verdict.measured }
          : {}),
        ...(opts.runId ? { run_id: opts.runId } : {}),
      },
      opts.clock,
    ) as CheckEvent;
    events.push(event);
  }
  return {
    feature_id: contract.feature_id,
    passed: events.filter((e) => e.type === 'check.passed').length,
    failed: events.filter((e) => e.type === 'check.failed').length,
    unverifiable: events.filter((e) => e.type === 'check.unverifiable').length,
    total: criteria.length,
    events,
    ...(interrupted ? { interrupted: true as const } : {}),
  };
}

async function checkCriterion(
  criterion: Criterion,
  opts: VerifyFeatureOptions,
  env: NodeJS.ProcessEnv,
): Promise<CheckVerdict | 'interrupted'> {
  const timeoutMs = (criterion.timeout_s ?? opts.config.check_timeout_s) * 1000;
  const outputFile = checkOutputPath(opts.logPath, opts.contract.feature_id, criterion.id, opts.on);
  const signal = opts.signal ? { signal: opts.signal } : {};
  switch (criterion.kind) {
    case 'run': {
      if (criterion.run === undefined) return judgeUnverifiable();
      const result = await runCommand({
        command: criterion.run,
        cwd: opts.cwd,
        env,
        timeoutMs,
        outputFile,
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
        outputFile,
        ...signal,
      });
    case 'files':
      if (criterion.files === undefined) return judgeUnverifiable();
      return runFilesCheck({
        check: criterion.files,
        cwd: opts.cwd,
        owns: opts.contract.owns,
        ...(opts.diff ? { diff: opts.diff } : {}),
      });
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

/** What the runner knows about a feature when its agent has exited (the runner's `Verifier` input). */
export type AgentExitedFeature = Parameters<Verifier>[0];

/**
 * The verifier `baton run` calls right after each agent exits: the feature's worktree criteria,
 * in its worktree, on its port, diffed against the run's base.
 */
export function makeWorktreeVerifier(
  common: Pick<VerifyFeatureOptions, 'config' | 'logPath' | 'clock' | 'env'>,
): (input: AgentExitedFeature) => Promise<CheckReport> {
  return (input) =>
    verifyFeature({
      ...common,
      contract: input.feature,
      cwd: input.worktree,
      on: 'worktree',
      port: input.port,
      diff: { base: input.base, branch: input.branch },
      runId: input.runId,
      signal: input.signal,
    });
}
