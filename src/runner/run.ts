import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter, AgentLaunch, AgentTask } from '../agents/adapter.js';
import { agentLabel, resolveAdapter } from '../agents/registry.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import {
  branchExists,
  changedFiles,
  commitAll,
  git,
  gitRaw,
  listWorktrees,
  resolveCommit,
  type StatusEntry,
  statusEntries,
} from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { isInteractive, startInteractiveAgent } from '../interactive/launch.js';
import { appendEvent, type Clock } from '../log/append.js';
import type { BatonEvent, FeatureEnded, NewEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { readLog } from '../log/read.js';
import { portBlockFor } from '../ports.js';
import { startAgent } from './launch.js';
import { decideOutcome } from './outcome.js';
import { describeExit, type ProcessExit, type Supervised, spawnSupervised, tailLines } from './process.js';
import { assertNoLiveRun, findOrphans, type Orphan, stopOrphans } from './resume.js';
import { buildTaskPrompt } from './task.js';
import { copyIntoWorktree, createFeatureWorktree, readWorktreeInclude } from './worktree.js';

/** Runs a feature's acceptance checks in its worktree; provided by `checks/`. */
export type Verifier = (input: {
  feature: Contract;
  worktree: string;
  port: number;
  base: string;
  branch: string;
  runId: string;
  signal: AbortSignal;
}) => Promise<{ passed: number; failed: number; unverifiable: number; total: number }>;

/** Everything `runFeatures` needs; built by `cli/run.ts` from the project and flags. */
export interface RunOptions {
  root: string;
  config: Config;
  plan: Plan;
  logPath: string;
  /** Selected feature ids, in plan order. */
  featureIds: readonly string[];
  concurrency?: number;
  /** `--agent`: overrides every contract's and the config's agent. */
  agent?: AgentSpec;
  waitForDeps?: boolean;
  base?: string;
  verifier?: Verifier;
  /** Reuse existing branches and worktrees, skipping features already complete. */
  resume?: boolean;
  dryRun?: boolean;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** How a hook runs Baton: `[node, /abs/bin/baton.js]`. */
  batonCommand: readonly string[];
  signal: AbortSignal;
  /** Receives every event after it is written (the progress renderer, the dashboard). */
  onEvent?: (event: BatonEvent) => void;
  /** Receives each launch in dry-run mode. */
  onDryRun?: (featureId: string, launch: AgentLaunch, worktree: string) => void;
}

/** How each feature ended, and the run's overall outcome. */
export interface RunSummary {
  runId: string;
  outcome: 'complete' | 'failed' | 'interrupted';
  features: Array<{ feature_id: string; status: FeatureEnded['status'] | 'pending'; reason?: string }>;
  durationMs: number;
}

/** Paths Baton keeps for one feature of one run, all outside the worktree. */
interface FeaturePaths {
  worktree: string;
  branch: string;
  dir: string;
  taskFile: string;
  scratchDir: string;
  logFile: string;
}

/** Makes a run id: sortable time plus a random suffix. */
export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Creates `.baton/` with a `.gitignore` of its own, so its files never show up in `git status`. */
export function ensureStateDir(root: string): string {
  const dir = join(root, '.baton');
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  return dir;
}

const outsideStateDir = (e: StatusEntry) => !e.path.startsWith('.baton/') && e.path !== '.baton';

/** A one-at-a-time lock, for git operations that touch the shared repository's admin files. */
function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Checks everything that can be checked before any worktree exists; throws a UserError otherwise. */
async function preflight(
  opts: RunOptions,
  pathsOf: (id: string) => FeaturePaths,
): Promise<{ baseCommit: string; base: string }> {
  const base = opts.base ?? opts.config.base ?? 'HEAD';
  const baseCommit = await resolveCommit(opts.root, base);
  if (!baseCommit) {
    throw new UserError('run/bad-base', `the base "${base}" is not a commit in this repository`, {
      hint:
        base === 'HEAD'
          ? 'Make a first commit: git add -A && git commit -m "initial"'
          : 'Pass --base <branch or commit>.',
    });
  }
  if (!opts.base && !opts.config.base && !opts.resume) {
    const dirty = (await statusEntries(opts.root)).filter(outsideStateDir);
    if (dirty.length > 0) {
      const shown = dirty.slice(0, 10).map((e) => `  ${e.code} ${e.path}`);
      if (dirty.length > 10) shown.push(`  … and ${dirty.length - 10} more`);
      throw new UserError(
        'run/dirty-checkout',
        `the main checkout has uncommitted changes that the feature branches (cut from HEAD) would not contain:\n${shown.join('\n')}`,
        {
          hint: 'Commit or stash them first, or pass --base HEAD to cut the branches from the last commit anyway.',
        },
      );
    }
  }
  const worktrees = await listWorktrees(opts.root);
  for (const id of opts.featureIds) {
    const p = pathsOf(id);
    const exists = await branchExists(opts.root, p.branch);
    if (exists && !opts.resume) {
      throw new UserError(
        'run/branch-exists',
        `branch ${p.branch} already exists; Baton will not overwrite it`,
        {
          hint: `Keep its work with \`baton run --resume ${id}\`, or remove it after merging with \`baton clean ${id}\`.`,
        },
      );
    }
    const wt = worktrees.find((w) => w.path === p.worktree);
    if (!opts.resume && (wt || existsSync(p.worktree))) {
      throw new UserError('run/worktree-exists', `the folder ${p.worktree} already exists`, {
        hint: `Remove it, or resume with \`baton run --resume ${id}\`.`,
      });
    }
    if (wt && wt.branch !== p.branch) {
      throw new UserError(
        'run/worktree-mismatch',
        `${p.worktree} is a worktree on ${wt.branch ?? 'a detached HEAD'}, not ${p.branch}`,
        {
          hint: 'Move or remove that worktree, or set a different `worktrees` folder in the config.',
        },
      );
    }
  }
  return { baseCommit, base };
}

/** Resolves each feature's adapter and checks that every agent needed is installed, before anything is created. */
async function resolveAgents(
  opts: RunOptions,
): Promise<Map<string, { spec: AgentSpec; adapter: AgentAdapter }>> {
  const out = new Map<string, { spec: AgentSpec; adapter: AgentAdapter }>();
  const checked = new Map<string, boolean>();
  for (const id of opts.featureIds) {
    const feature = opts.plan.byId.get(id)!;
    const spec = opts.agent ?? feature.agent ?? opts.config.agent;
    const adapter = resolveAdapter(spec);
    if (!checked.has(adapter.name)) {
      const found = await adapter.detect(opts.env, opts.config.agents[adapter.name]);
      checked.set(adapter.name, found.installed);
      if (!found.installed) {
        throw new UserError(
          'agents/not-installed',
          `agent "${adapter.name}" (${adapter.displayName}) is not installed; it is needed for ${id}`,
          {
            hint: adapter.installHint,
          },
        );
      }
    }
    out.set(id, { spec, adapter });
  }
  return out;
}

/**
 * Runs the selected features: a worktree and branch each, agents in parallel up to the
 * concurrency, completion recorded in the log, checks after each agent, one `feature.ended` each.
 */
export async function runFeatures(opts: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const runId = newRunId(opts.clock());
  const stateDir = ensureStateDir(opts.root);
  const pathsOf = (id: string): FeaturePaths => {
    const dir = join(stateDir, 'runs', runId, id);
    return {
      worktree: join(opts.config.worktrees, id),
      branch: featureBranch(id),
      dir,
      taskFile: join(dir, 'task.md'),
      scratchDir: join(dir, 'scratch'),
      logFile: join(dir, 'agent.log'),
    };
  };
  const agents = await resolveAgents(opts);
  const { baseCommit, base } = await preflight(opts, pathsOf);
  const previousState = opts.resume
    ? foldEvents(readLog(opts.logPath, undefined, { final: true }).events)
    : undefined;
  const previous = new Map(Object.values(previousState?.features ?? {}).map((f) => [f.feature_id, f.status]));
  let orphans: Orphan[] = [];
  if (previousState && !opts.dryRun) {
    assertNoLiveRun(previousState);
    // Agents of a dead orchestrator keep running in their own groups; stop them before restarting.
    orphans = findOrphans(previousState).filter((o) => opts.featureIds.includes(o.feature_id));
    await stopOrphans(orphans);
  }

  /** What an adapter is handed for one feature: its contract, task text, folders, ports and environment. */
  const taskOf = (id: string, scratchDir: string, env: NodeJS.ProcessEnv): AgentTask => {
    const feature = opts.plan.byId.get(id)!;
    const p = pathsOf(id);
    const block = portBlockFor(opts.plan.order.indexOf(id), opts.config.port_base);
    const { adapter } = agents.get(id)!;
    return {
      feature,
      prompt: buildTaskPrompt(feature, { branch: p.branch, port: block.port, portBase: block.base }),
      taskFile: p.taskFile,
      scratchDir,
      worktree: p.worktree,
      runId,
      logPath: opts.logPath,
      batonCommand: opts.batonCommand,
      port: block.port,
      portBase: block.base,
      env,
      config: opts.config,
      override: opts.config.agents[adapter.name],
    };
  };

  if (opts.dryRun) {
    for (const id of opts.featureIds) {
      const launch = await agents
        .get(id)!
        .adapter.prepare(taskOf(id, join(stateDir, 'dry-run', id), opts.env));
      opts.onDryRun?.(id, launch, pathsOf(id).worktree);
    }
    return { runId, outcome: 'complete', features: [], durationMs: 0 };
  }

  const emit = (event: NewEvent): BatonEvent => {
    const written = appendEvent(opts.logPath, { ...event, run_id: runId } as NewEvent, opts.clock);
    opts.onEvent?.(written);
    return written;
  };
  const concurrency = Math.max(1, opts.concurrency ?? opts.config.concurrency ?? opts.featureIds.length);
  emit({
    type: 'run.started',
    run_id: runId,
    feature_ids: [...opts.featureIds],
    concurrency,
    base,
    base_commit: baseCommit,
    mode: opts.waitForDeps ? 'wait-for-deps' : 'contract-first',
    pid: process.pid,
    ...(opts.resume ? { resume: true } : {}),
    ...(orphans.length ? { stopped_orphans: orphans } : {}),
  });
  emit({ type: 'phase.started', phase: 'implementation' });

  const mainBaseline = new Map(
    (await statusEntries(opts.root)).filter(outsideStateDir).map((e) => [e.path, e.code]),
  );
  const attributedEscapes = new Set<string>();
  const gitLock = createMutex();
  const running = new Set<Supervised>();
  const results = new Map<string, { status: FeatureEnded['status']; reason?: string }>();
  const selected = new Set(opts.featureIds);
  const waiters = new Map<string, Array<() => void>>();

  const stopAll = () => {
    for (const p of running) void p.stop('interrupt');
  };
  opts.signal.addEventListener('abort', stopAll, { once: true });

  const finish = (id: string, status: FeatureEnded['status'], reason?: string) => {
    results.set(id, { status, ...(reason ? { reason } : {}) });
    emit({ type: 'feature.ended', feature_id: id, status, ...(reason ? { reason } : {}) });
    for (const wake of waiters.get(id) ?? []) wake();
  };

  const waitFor = (id: string): Promise<void> =>
    results.has(id)
      ? Promise.resolve()
      : new Promise((resolve) => {
          const list = waiters.get(id) ?? [];
          list.push(resolve);
          waiters.set(id, list);
        });

  const findEscapes = async (): Promise<string[]> => {
    const now = (await statusEntries(opts.root)).filter(outsideStateDir);
    const fresh: string[] = [];
    for (const e of now) {
      if (mainBaseline.get(e.path) === e.code || attributedEscapes.has(e.path)) continue;
      attributedEscapes.add(e.path);
      fresh.push(e.path);
    }
    return fresh;
  };

  const recordWorktree = (feature: Contract, p: FeaturePaths, forkPoint: string, reused: boolean): string => {
    emit({
      type: 'worktree.created',
      feature_id: feature.feature_id,
      path: p.worktree,
      branch: p.branch,
      base_commit: forkPoint,
      reused,
    });
    return forkPoint;
  };

  const prepareWorktree = async (feature: Contract, p: FeaturePaths): Promise<string> => {
    if (opts.resume && (await branchExists(opts.root, p.branch))) {
      // Reuse the branch (and its worktree, re-adding it if its folder was removed): partial work is kept.
      const existing = (await listWorktrees(opts.root)).find((w) => w.path === p.worktree);
      if (!existing)
        await gitLock(() => git(opts.root, ['worktree', 'add', '--quiet', p.worktree, p.branch]));
      const forkPoint =
        (await gitRaw(opts.root, ['merge-base', baseCommit, p.branch])).stdout.trim() || baseCommit;
      return recordWorktree(feature, p, forkPoint, true);
    }
    await gitLock(() =>
      createFeatureWorktree(opts.root, { path: p.worktree, branch: p.branch, base: baseCommit }),
    );
    let forkPoint = baseCommit;
    if (opts.waitForDeps) {
      // Build on the dependencies' real code: merge their branches into the fresh branch.
      for (const dep of feature.depends_on.features.filter((d) => selected.has(d)).sort()) {
        const r = await gitRaw(p.worktree, [
          '-c',
          'user.name=Baton',
          '-c',
          'user.email=baton@localhost',
          'merge',
          '--no-ff',
          '--no-edit',
          '-m',
          `Merge ${featureBranch(dep)} (dependency of ${feature.feature_id})`,
          featureBranch(dep),
        ]);
        if (r.exitCode !== 0) {
          await gitRaw(p.worktree, ['merge', '--abort']);
          throw new UserError(
            'run/dependency-merge',
            `could not merge dependency ${dep} into ${p.branch}: ${tailLines(r.stdout + r.stderr, 5)}`,
          );
        }
      }
      forkPoint = await git(p.worktree, ['rev-parse', 'HEAD']);
    }
    recordWorktree(feature, p, forkPoint, false);
    const copied = await copyIntoWorktree(opts.root, p.worktree, [
      ...opts.config.copy,
      ...readWorktreeInclude(opts.root),
    ]);
    if (copied.length > 0) writeFileSync(join(p.dir, 'copied.txt'), `${copied.join('\n')}\n`);
    return forkPoint;
  };

  const runOne = async (id: string): Promise<void> => {
    const feature = opts.plan.byId.get(id)!;
    if (opts.resume && previous.get(id) === 'complete') {
      results.set(id, { status: 'complete', reason: 'complete in an earlier run' });
      for (const wake of waiters.get(id) ?? []) wake();
      return;
    }
    if (opts.waitForDeps) {
      for (const dep of feature.depends_on.features.filter((d) => selected.has(d))) {
        await waitFor(dep);
        const r = results.get(dep);
        if (r?.status !== 'complete') {
          finish(id, 'failed', `dependency ${dep} ended ${r?.status ?? 'unknown'}; not started`);
          return;
        }
      }
    }
    if (opts.signal.aborted) return;
    const p = pathsOf(id);
    mkdirSync(p.scratchDir, { recursive: true });
    let forkPoint: string;
    try {
      forkPoint = await prepareWorktree(feature, p);
    } catch (err) {
      finish(id, 'failed', err instanceof Error ? err.message : String(err));
      return;
    }
    const block = portBlockFor(opts.plan.order.indexOf(id), opts.config.port_base);
    const baseEnv: NodeJS.ProcessEnv = {
      ...opts.env,
      BATON_FEATURE_ID: id,
      BATON_RUN_ID: runId,
      BATON_TASK_FILE: p.taskFile,
      BATON_LOG: opts.logPath,
      BATON_WORKTREE: p.worktree,
      // Some agents (OpenCode) take their folder from PWD rather than the real cwd.
      PWD: p.worktree,
      BATON_BRANCH: p.branch,
      PORT: String(block.port),
      BATON_PORT_BASE: String(block.base),
    };
    if (opts.config.setup) {
      const setup = spawnSupervised(opts.config.setup, {
        cwd: p.worktree,
        env: baseEnv,
        shell: true,
        logFile: p.logFile,
      });
      running.add(setup);
      const exit = await setup.exited;
      running.delete(setup);
      if (opts.signal.aborted) return finish(id, 'interrupted', 'stopped during setup');
      if (exit.exitCode !== 0)
        return finish(
          id,
          'failed',
          `setup command "${opts.config.setup}" failed: ${describeExit(exit)} (see ${p.logFile})`,
        );
    }
    const { adapter, spec } = agents.get(id)!;
    const task = taskOf(id, p.scratchDir, baseEnv);
    writeFileSync(p.taskFile, task.prompt);
    const timeoutMinutes = feature.timeout_minutes ?? opts.config.timeout_minutes;
    const timeoutMs = timeoutMinutes !== undefined ? Math.round(timeoutMinutes * 60_000) : undefined;
    const maxRetries = feature.retries ?? 0;
    let rateLimitRetries = 0;
    let failureRetries = 0;
    let attempt = 0;
    let exit: ProcessExit;
    let output = '';
    const agentStarted = Date.now();
    for (;;) {
      attempt++;
      const logOffset = existsSync(p.logFile) ? readFileSync(p.logFile).length : 0;
      const agentOpts = { logFile: p.logFile, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
      const child = isInteractive(task)
        ? await startInteractiveAgent(adapter, task, { ...agentOpts, onLogEvent: (e) => opts.onEvent?.(e) })
        : await startAgent(adapter, task, agentOpts);
      running.add(child);
      emit({
        type: 'feature.started',
        feature_id: id,
        status: 'running',
        agent: agentLabel(spec),
        branch: p.branch,
        worktree: p.worktree,
        log_file: p.logFile,
        port: block.port,
        ...(child.pid !== undefined ? { pid: child.pid, pgid: child.pgid } : {}),
        ...(attempt > 1 ? { attempt } : {}),
      });
      if (opts.signal.aborted) void child.stop('interrupt');
      exit = await child.exited;
      running.delete(child);
      output = existsSync(p.logFile) ? readFileSync(p.logFile).subarray(logOffset).toString('utf8') : '';
      if (exit.exitCode === 0 || opts.signal.aborted || exit.timedOut) break;
      if (adapter.isRateLimited(output, exit.exitCode) && rateLimitRetries < opts.config.retry.attempts) {
        const delay = opts.config.retry.initial_delay_s * opts.config.retry.factor ** rateLimitRetries * 1000;
        rateLimitRetries++;
        await sleep(delay, opts.signal);
        if (opts.signal.aborted) break;
        continue;
      }
      if (failureRetries < maxRetries) {
        failureRetries++;
        continue;
      }
      break;
    }
    const interrupted = opts.signal.aborted && exit.stoppedBy === 'interrupt';
    let commit: string | undefined;
    let files: string[] = [];
    try {
      if (!interrupted) {
        commit = await commitAll(
          p.worktree,
          `${feature.title}\n\nBaton: feature ${id}, run ${runId}, agent ${agentLabel(spec)}`,
        );
      }
      commit ??= await git(p.worktree, ['rev-parse', 'HEAD']);
      files = await changedFiles(p.worktree, forkPoint, 'HEAD', false);
    } catch (err) {
      return finish(
        id,
        'failed',
        `could not record the agent's work: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const usage = adapter.parseUsage(output);
    emit({
      type: 'agent.exited',
      feature_id: id,
      exit_code: exit.exitCode,
      signal: exit.signal,
      duration_ms: Date.now() - agentStarted,
      files,
      ...(commit ? { commit } : {}),
      ...(exit.timedOut ? { timed_out: true } : {}),
      ...(usage ? { usage } : {}),
      ...(exit.exitCode !== 0 ? { reason: describeExit(exit, timeoutMs) } : {}),
    });
    const escapes = await findEscapes();
    if (escapes.length > 0) emit({ type: 'feature.escaped', feature_id: id, files: escapes });
    let checks: { passed: number; failed: number; unverifiable: number; total: number } | undefined;
    const agentOk = !interrupted && !exit.timedOut && exit.exitCode === 0 && files.length > 0;
    if (agentOk && opts.verifier) {
      checks = await opts.verifier({
        feature,
        worktree: p.worktree,
        port: block.port,
        base: forkPoint,
        branch: p.branch,
        runId,
        signal: opts.signal,
      });
    }
    const outcome = decideOutcome({
      interrupted,
      timedOut: exit.timedOut,
      exitCode: exit.exitCode,
      changedFiles: files.length,
      ...(checks ? { checks } : {}),
    });
    const reason =
      outcome.status === 'failed'
        ? `the agent failed: ${describeExit(exit, timeoutMs)}; see ${p.logFile}`
        : outcome.reason;
    finish(id, outcome.status, reason);
  };

  // A small pool: at most `concurrency` features in flight, started in plan order.
  const queue = [...opts.featureIds];
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (;;) {
      const id = queue.shift();
      if (id === undefined || opts.signal.aborted) return;
      await runOne(id);
    }
  });
  await Promise.all(workers);
  opts.signal.removeEventListener('abort', stopAll);

  const features = opts.featureIds.map((id) => {
    const r = results.get(id);
    return {
      feature_id: id,
      status: r?.status ?? ('pending' as const),
      ...(r?.reason ? { reason: r.reason } : {}),
    };
  });
  const outcome: RunSummary['outcome'] = opts.signal.aborted
    ? 'interrupted'
    : features.every((f) => f.status === 'complete')
      ? 'complete'
      : 'failed';
  emit({ type: 'phase.ended', phase: 'implementation' });
  const durationMs = Date.now() - started;
  emit({ type: 'run.ended', run_id: runId, outcome, duration_ms: durationMs });
  return { runId, outcome, features, durationMs };
}
