/**
 * Starts an agent in its own tmux window (one session per run, one window per feature) and supervises
 * it with the same `Supervised` shape as a headless agent, so the runner treats both alike. The
 * window's program leads its own process group; Baton follows the feature's hooks in the log to see
 * when the agent has stopped, ends the session itself, and reads the exit code the wrapper leaves.
 * A resumed run follows a window a dead orchestrator of the same run opened in the same way.
 */
import { closeSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { formatCommand, quoteArg } from '../agents/shell-words.js';
import { withCheckoutConfig } from '../git/repository-env.js';
import type { LogEvent } from '../log/events.js';
import { readLog } from '../log/read.js';
import { isInside } from '../path-inside.js';
import type { Supervised } from '../process/supervise.js';
import { FEATURE_ENV_KEYS } from '../runner/feature-env.js';
import { openStateFile, writeStateFile } from '../state-write.js';
import { finishTextOf, prepareInteractiveLaunch } from './argv.js';
import { recordClaudeTrust } from './claude-trust.js';
import { recordCodexTrust } from './codex-trust.js';
import { type FinishWatch, isSessionEvent, observeSessionEvent } from './finish.js';
import { type FollowedWindow, followWindow, type InteractiveOptions } from './follow.js';
import { type OpenedWindow, openWindow, runTmux, sessionName, tmuxFor } from './tmux.js';

/** Whether a feature runs interactively: its contract says so, else the config (or `--interactive`). */
export function isInteractive(task: Pick<AgentTask, 'feature' | 'config'>): boolean {
  return task.feature.interactive ?? task.config.interactive?.enabled ?? false;
}

/** Whether any feature of a run runs interactively: the run has tmux windows (`run.started`'s `interactive`). */
export function runHasWindows(
  ids: readonly string[],
  contractOf: (id: string) => AgentTask['feature'],
  config: AgentTask['config'],
): boolean {
  return ids.some((id) => isInteractive({ feature: contractOf(id), config }));
}

/**
 * The little script the window runs: the task's environment read from its private file (then
 * removed), the agent, then its exit code written where Baton reads it, whole: written beside it and
 * renamed, so the file never exists empty (Baton takes its existence for the agent's end).
 */
export function wrapperScript(command: string, envFile: string, exitFile: string): string {
  const env = quoteArg(envFile);
  const exit = quoteArg(exitFile);
  const part = quoteArg(`${exitFile}.part`);
  return `. ${env}\nrm -f ${env}\n${command}\necho $? > ${part} && mv -f ${part} ${exit}\n`;
}

/** A name `sh` can export; tmux's server environment still hands the window any other the user has. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits the window's environment: the feature's own variables (ids, paths, port; no secret) go on
 * tmux's command line, so the window's program carries them from its start (the group proof reads
 * `BATON_RUN_ID` there); every other one (API keys) goes into `envFile`, readable by the user alone,
 * that the window's shell reads and removes before starting the agent. Never a command line: `ps`
 * shows those to every local user.
 */
function handOverEnvironment(env: NodeJS.ProcessEnv, envFile: string): Record<string, string> {
  const visible: Record<string, string> = {};
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (FEATURE_ENV_KEYS.includes(k)) visible[k] = v;
    else if (SHELL_NAME.test(k)) lines.push(`export ${k}=${quoteArg(v)}`);
  }
  rmSync(envFile, { force: true });
  // Created 0600 (`wx`: a file put in its place meanwhile is refused, not written through).
  writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return visible;
}

/**
 * With the user's consent (`interactive.trust_worktrees`), records trust for the feature's worktree
 * where the agent's TUI reads it, so it does not ask: in Baton's private copies of its config (Claude's
 * `CLAUDE_CONFIG_DIR`, the run's `CODEX_HOME`), never the user's own files.
 */
function recordTrust(adapter: AgentAdapter, task: AgentTask, launchEnv: Record<string, string>): void {
  if (adapter.name === 'claude') recordClaudeTrust({ ...task.env, ...launchEnv }, task.worktree);
  const codexHome = launchEnv.CODEX_HOME;
  // A CODEX_HOME of the user's own (set in agents.codex.env) is not Baton's to write.
  if (adapter.name === 'codex' && codexHome && isInside(task.scratchDir, codexHome)) {
    recordCodexTrust(codexHome, task.worktree);
  }
}

/** Prepares the agent, writes its wrapper and opens its window, with the screen copied to the log file. */
async function openAgentWindow(adapter: AgentAdapter, task: AgentTask, logFile: string) {
  const tmux = tmuxFor(task.env);
  const launch = await prepareInteractiveLaunch(adapter, task);
  if (task.config.interactive?.trust_worktrees) recordTrust(adapter, task, launch.env);
  mkdirSync(task.scratchDir, { recursive: true });
  const exitFile = join(task.scratchDir, 'interactive-exit');
  rmSync(exitFile, { force: true });
  const envFile = join(task.scratchDir, 'interactive.env');
  const wrapper = join(task.scratchDir, 'interactive.sh');
  const command = launch.shell ? launch.command : formatCommand([launch.command, ...launch.args]);
  writeStateFile(task.scratchDir, wrapper, wrapperScript(command, envFile, exitFile));
  closeSync(openStateFile(dirname(logFile), logFile, 'append'));
  // Its git runs with `CHECKOUT_CONFIG`, as a local agent's does (`spawnSupervised`).
  const env = handOverEnvironment(
    withCheckoutConfig({ ...task.env, ...task.override?.env, ...launch.env }),
    envFile,
  );
  // The window's shell removes the file first thing; a window that never started (or was stopped first) cannot.
  const cleanup = () => {
    rmSync(envFile, { force: true });
    launch.cleanup?.();
  };
  let window: OpenedWindow;
  try {
    window = await openWindow(tmux, {
      session: sessionName(task.runId),
      name: task.feature.feature_id,
      cwd: task.worktree,
      shellCommand: formatCommand(['sh', wrapper]),
      env,
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  await runTmux(tmux, ['pipe-pane', '-t', window.paneId, '-o', `cat >> ${quoteArg(logFile)}`]);
  return { tmux, launch, window, exitFile, cleanup };
}

/**
 * Opens the feature's window and returns it as a supervised process: `exited` resolves once the
 * session has ended (after the agent's Stop hook and `auto_finish_s` of quiet, Baton types the
 * agent's exit command), and `stop()` ends the window's process group.
 */
export async function startInteractiveAgent(
  adapter: AgentAdapter,
  task: AgentTask,
  opts: InteractiveOptions,
): Promise<Supervised> {
  const startedAt = Date.now();
  const cursor = { offset: existsSync(task.logPath) ? statSync(task.logPath).size : 0, line: 0 };
  const { tmux, launch, window, exitFile, cleanup } = await openAgentWindow(adapter, task, opts.logFile);
  return followWindow(adapter, task, opts, {
    tmux,
    windowId: window.windowId,
    paneId: window.paneId,
    pgid: window.panePid,
    exitFile,
    finishText: launch.finishText,
    cleanup,
    startedAt,
    cursor,
    watch: { waiting: false },
    sawHook: false,
  });
}

/** A window of a dead orchestrator that a resumed run follows (see `adopt.ts`). */
export interface WindowToAdopt {
  windowId: string;
  paneId: string;
  pgid: number;
  /** The feature's `feature.started` time in the log. */
  startedAt?: string | undefined;
}

/**
 * Follows a window that a dead orchestrator of the same run opened, exactly as one this run
 * opened: the session is rebuilt from the feature's hooks since its last `feature.started`, so a
 * Stop hook that fired while no orchestrator was watching still ends the session.
 */
export function followInteractiveAgent(
  adapter: AgentAdapter,
  task: AgentTask,
  adopted: WindowToAdopt,
  opts: InteractiveOptions,
): Supervised {
  const history = sessionHistory(task.logPath, task.feature.feature_id);
  const started = Date.parse(adopted.startedAt ?? '');
  return followWindow(adapter, task, opts, {
    tmux: tmuxFor(task.env),
    windowId: adopted.windowId,
    paneId: adopted.paneId,
    pgid: adopted.pgid,
    exitFile: join(task.scratchDir, 'interactive-exit'),
    finishText: finishTextOf(adapter),
    startedAt: Number.isFinite(started) ? started : Date.now(),
    ...history,
  });
}

/** The feature's session as the log tells it so far, with the ts of each event as its time (pure but for the read). */
function sessionHistory(
  logPath: string,
  featureId: string,
): Pick<FollowedWindow, 'cursor' | 'watch' | 'sawHook'> {
  const chunk = readLog(logPath, { offset: 0, line: 0 });
  let watch: FinishWatch = { waiting: false };
  let sawHook = false;
  for (const e of chunk.events as LogEvent[]) {
    if (e.type === 'feature.started' && e.feature_id === featureId) {
      watch = { waiting: false };
      sawHook = false;
    } else if (isSessionEvent(e, featureId)) {
      sawHook = true;
      const ts = Date.parse(typeof e.ts === 'string' ? e.ts : '');
      watch = observeSessionEvent(watch, e, Number.isFinite(ts) ? ts : Date.now());
    }
  }
  return { cursor: { offset: chunk.endOffset, line: chunk.endLine }, watch, sawHook };
}
