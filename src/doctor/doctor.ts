import { existsSync, statSync } from 'node:fs';
import { printableArg } from '../agents/shell-words.js';
import { inspectCleanTargets } from '../clean/inspect.js';
import { CONFIG_KEYS_DOC, loadConfig } from '../config.js';
import { type Diagnostic, formatLocation, UserError } from '../errors.js';
import { findMainWorktree, findRepoRoot, resolveCommit } from '../git/git.js';
import { statusEntries } from '../git/status.js';
import { noHeadCommit } from '../git/unborn-head.js';
import { listWorktrees } from '../git/worktree-list.js';
import type { Plan } from '../graph/types.js';
import { type OrchestratorProbe, runLiveness } from '../guard/liveness.js';
import { integrationOnDisk } from '../integrate/worktree-proof.js';
import { liveLockHolder, unprovenHolders } from '../lock/baton-lock.js';
import { applyEvent, type BatonState, initialState } from '../log/fold.js';
import { logPathFor } from '../log/paths.js';
import { type LogProblem, streamLog } from '../log/read.js';
import { firstProblem, lintProject, loadProject } from '../project.js';
import { refusesDirty } from '../runner/preflight.js';
import { errorMessage } from '../text/error-message.js';
import { check, type DoctorCheck } from './check.js';
import { checkCommandAgents, commandAgentsInUse } from './command-agents.js';
import { agentsInUse, checkAgents, checkGit, checkNodeVersion, checkTempFolder } from './environment.js';
import {
  checkLastIntegration,
  checkLastRun,
  checkLocks,
  checkLogHealth,
  checkMainCheckout,
  findStaleLocks,
  gitCommonDir,
  type LogReading,
  readable,
} from './repository.js';
import {
  checkQueue,
  checkSuperprojectWorktrees,
  checkTmux,
  configRefusals,
  refusalDetail,
} from './run-refusals.js';
import { checkFinishedWorktrees, checkStaleRecords, worktreeDisk } from './worktrees.js';

/** A lock file younger than this may belong to a git that is running right now. */
const LOCK_MIN_AGE_MS = 60_000;
/** Bad log lines kept for the report; the rest are only counted. */
const PROBLEMS_KEPT = 50;

/** What `runDoctor` needs from the outside world. */
export interface DoctorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: number;
  /** Whether a run the log records is live (default: `runLiveness` of the repository). */
  alive?: OrchestratorProbe;
}

/**
 * Checks the environment (git, Node, agents) and the project (config, contracts, log, last run,
 * worktrees, lock files), in that order; it only reads, never repairs.
 */
export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    await checkGit(o.cwd),
    checkNodeVersion(process.versions.node),
    checkTempFolder(),
  ];
  const found = await mainCheckout(o.cwd);
  if (typeof found !== 'string') {
    checks.push(check('repository', 'fail', `${found.message} [${found.code}]`, found.hint));
    checks.push(...(await checkAgents(o.env, new Map())));
    return checks;
  }
  const root = found;
  const head = await resolveCommit(root, 'HEAD');
  const noHead = head ? undefined : await noHeadCommit(root, 'run-flag');
  checks.push(
    noHead
      ? check('repository', 'fail', `${root}: ${noHead.message}`, noHead.hint)
      : check('repository', 'ok', root),
  );

  const config = loadConfig(root);
  // What of the config `baton run` refuses (its `base`, its worktrees folder), by run's own rules.
  const refusals = config.ok ? await configRefusals(root, config.value) : [];
  const configured = await checkConfigAndAgents(o, root, config, refusals);
  checks.push(...configured.checks);
  if (config.ok) {
    const tmux = checkTmux(configured.features, config.value, o.env);
    const queue = await checkQueue(config.value, o.env);
    const inSuper = await checkSuperprojectWorktrees(root, config.value);
    for (const c of [tmux, queue, inSuper]) if (c) checks.push(c);
  }
  if (head) {
    const runRefuses = refusesDirty({ config: config.ok ? config.value : { base: undefined } });
    checks.push(checkMainCheckout(runRefuses ? await statusEntries(root) : [], runRefuses));
  }

  const { reading, state } = readLogForDoctor(logPathFor(root));
  checks.push(checkLogHealth(reading));
  const alive = o.alive ?? runLiveness(root);
  if (reading.unusable) {
    // Nothing is known of them without the log: said so, never "no run yet".
    const unknown = 'unknown: the log cannot be used (see above)';
    checks.push(check('last run', 'warn', unknown), check('last integration', 'warn', unknown));
  } else {
    checks.push(checkLastRun(state, alive));
    checks.push(
      checkLastIntegration(
        state,
        liveLockHolder(root, 'integrate') !== undefined,
        await integrationOnDisk(root),
      ),
    );
  }

  checks.push(...checkBatonLocks(root));
  const worktrees = await listWorktrees(root);
  const inspection = await inspectCleanTargets({
    root,
    cwd: o.cwd,
    ...(config.ok && config.value.base !== undefined ? { base: config.value.base } : {}),
    // Where Baton puts worktrees: a feature's own on a detached HEAD is found there, as clean finds it.
    ...(config.ok ? { worktrees: config.value.worktrees, configFile: config.value.file } : {}),
    state,
    alive,
  });
  checks.push(checkStaleRecords(worktrees, existsSync, inspection.targets));
  checks.push(checkFinishedWorktrees(inspection, state, worktreeDisk(inspection.targets)));

  const common = await gitCommonDir(root);
  if (common) {
    // A git working in any checkout of the repository may be using one of its locks.
    const dirs = [common, ...worktrees.map((w) => w.path)];
    checks.push(checkLocks(findStaleLocks(common, o.now, LOCK_MIN_AGE_MS, dirs)));
  }
  return checks;
}

/** A `baton lock` warning for each lock naming a live process not proven to be Baton: it refuses every command while it lives. */
function checkBatonLocks(root: string): DoctorCheck[] {
  return unprovenHolders(root).map(({ holder, path }) =>
    check(
      'baton lock',
      'warn',
      `${path} names pid ${holder.pid}, a live process not proven to be Baton: every run, integrate, verify and clean is refused while it lives`,
      `Check it (ps -p ${holder.pid} -o pid,lstart,args); if it is not a Baton, remove the lock (rm ${printableArg(path)}).`,
    ),
  );
}

/**
 * The main checkout `cwd` belongs to, or why there is none to work in, as every command says it: no
 * checkout (`findRepoRoot`: a bare repository, a git folder, no repository at all, git missing), or a
 * linked worktree whose main checkout cannot be found (`findMainWorktree`: a bare repository's).
 */
async function mainCheckout(cwd: string): Promise<string | UserError> {
  try {
    await findRepoRoot(cwd);
    return await findMainWorktree(cwd);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
}

/** The config, the contracts, and the agents they use (named ones and shell commands). */
async function checkConfigAndAgents(
  o: DoctorOptions,
  root: string,
  config: ReturnType<typeof loadConfig>,
  refusals: readonly UserError[],
): Promise<{ checks: DoctorCheck[]; features?: Plan['features'] }> {
  const checks: DoctorCheck[] = [];
  let features: Plan['features'] | undefined;
  let used: ReturnType<typeof agentsInUse> = new Map();
  let commands: ReturnType<typeof commandAgentsInUse> = new Map();
  if (!config.ok) {
    const [first, ...more] = config.errors;
    const others = more.length > 0 ? ` (and ${more.length} more)` : '';
    checks.push(
      check(
        'config',
        'fail',
        first
          ? `${first.location ? `${formatLocation(first.location)}: ` : ''}${first.message}${others}`
          : 'invalid',
        `Run \`baton lint\` for every problem; every field is optional (see ${CONFIG_KEYS_DOC}).`,
      ),
    );
    const contracts = await contractsBesideBadConfig(o);
    if (contracts) checks.push(contracts);
  } else {
    const ignored = config.warnings[0];
    checks.push(
      refusals.length > 0
        ? check(
            'config',
            'fail',
            refusals.map(refusalDetail).join('; '),
            refusals.map((r) => r.hint ?? '').join(' '),
          )
        : ignored
          ? check('config', 'warn', `${config.value.file}; ${ignored.message}`, ignored.hint ?? '')
          : check('config', 'ok', config.value.file ?? 'no config file (all defaults)'),
    );
    const contracts = await checkContracts(o.cwd);
    checks.push(contracts.check);
    features = contracts.features;
    if (features) used = agentsInUse(features, config.value.agent);
    commands = commandAgentsInUse(contracts.features ?? [], config.value.agent);
  }
  checks.push(
    ...(await checkAgents(
      o.env,
      used,
      config.ok ? { agents: config.value.agents, file: config.value.file } : undefined,
    )),
  );
  const worktree = config.ok
    ? { base: config.value.base, copy: config.value.copy }
    : { base: undefined, copy: [] };
  checks.push(...(await checkCommandAgents(commands, o.env, root, worktree)));
  return { checks, ...(features ? { features } : {}) };
}

/**
 * The contracts check when the config is invalid but its errors leave the specs folder known: the
 * contracts' own errors, as `baton lint` finds them in the same pass; undefined when there is none to read.
 */
async function contractsBesideBadConfig(o: DoctorOptions): Promise<DoctorCheck | undefined> {
  const report = await lintProject(o.cwd, o.env).catch(() => undefined);
  if (report?.contracts === undefined && !report?.diagnostics.some(ofContracts)) return undefined;
  const first = report.diagnostics.find(ofContracts);
  if (first) {
    const at = first.location ? `${formatLocation(first.location)}: ` : '';
    return check('contracts', 'fail', `${at}${first.message}`, 'Run `baton lint` for every problem.');
  }
  const n = report.contracts ?? 0;
  return check('contracts', 'ok', `${n} feature${n === 1 ? '' : 's'}, read with the config's valid parts`);
}

/** A contract's error (not the config's). */
function ofContracts(d: Diagnostic): boolean {
  return d.severity === 'error' && !d.code.startsWith('config/');
}

/** The contracts check, and the features when the project plans. */
async function checkContracts(cwd: string): Promise<{ check: DoctorCheck; features?: Plan['features'] }> {
  try {
    const project = await loadProject(cwd, 'show');
    const n = project.plan.order.length;
    return {
      check: check('contracts', 'ok', `${n} feature${n === 1 ? '' : 's'}, plan valid`),
      features: project.plan.features,
    };
  } catch (err) {
    const message = err instanceof UserError ? firstProblem(err) : errorMessage(err);
    // Contracts that `run` would refuse (an unknown agent among them) fail; none yet only warns.
    const invalid = err instanceof UserError && err.code === 'contracts/invalid';
    const hint = invalid
      ? 'Run `baton lint` for every problem.'
      : err instanceof UserError && err.hint
        ? err.hint
        : 'Run `baton lint` for the details.';
    return { check: check('contracts', invalid ? 'fail' : 'warn', message, hint) };
  }
}

/** Reads the whole log once: its size, events and bad lines (the first few kept), and the folded state. */
function readLogForDoctor(logPath: string): { reading: LogReading; state: BatonState } {
  const state = initialState();
  const reading: LogReading = {
    path: logPath,
    exists: existsSync(logPath),
    bytes: 0,
    events: 0,
    problems: [],
    problemCount: 0,
  };
  if (reading.exists) {
    const error = readable(logPath);
    if (error) reading.error = error;
    else {
      reading.bytes = statSync(logPath).size;
      readEvents(logPath, reading, state);
    }
  }
  return { reading, state };
}

/**
 * Folds the log's events into `state`, counting them and its bad lines into `reading`; a log that is
 * no regular file is said as every command says it (`log/unusable`), and the other checks go on.
 */
function readEvents(logPath: string, reading: LogReading, state: BatonState): void {
  try {
    streamLog(
      logPath,
      { offset: 0, line: 0 },
      { final: true },
      {
        event: (e) => {
          reading.events++;
          applyEvent(state, e);
        },
        problem: (p: LogProblem) => {
          reading.problemCount++;
          if (reading.problems.length < PROBLEMS_KEPT) reading.problems.push(p);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== 'log/unusable') throw err;
    reading.unusable = { message: err.message, hint: err.hint };
  }
}
