/**
 * Starts an agent in its own tmux window (one session per run, one window per feature) and supervises
 * it with the same `Supervised` shape as a headless agent, so the runner treats both alike. The
 * window's program leads its own process group; Baton follows the feature's hooks in the log to see
 * when the agent has stopped, ends the session itself, and reads the exit code the wrapper leaves.
 * A resumed run follows a window a dead orchestrator of the same run opened in the same way.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { formatCommand, quoteArg } from '../agents/shell-words.js';
import type { BatonEvent, LogEvent } from '../log/events.js';
import { readLog } from '../log/read.js';
import { groupAlive, type ProcessExit, type Supervised, signalGroup } from '../process/supervise.js';
import { finishTextOf, prepareInteractiveLaunch } from './argv.js';
import { recordClaudeTrust, showsTrustDialog } from './claude-trust.js';
import { type FinishWatch, isSessionEvent, observeSessionEvent, shouldFinish } from './finish.js';
import { capturePane, openWindow, runTmux, sendText, sessionName, type Tmux, tmuxFor } from './tmux.js';

/** Options of one interactive agent. */
export interface InteractiveOptions {
  logFile: string;
  timeoutMs?: number;
  /** Receives the feature's hook and intervention events as they reach the log (the live table). */
  onLogEvent?: (event: BatonEvent) => void;
  /** How often the log and the window are looked at; 200 ms keeps `needs-input` under a second. */
  pollMs?: number;
  killGraceMs?: number;
}

/** Whether a feature runs interactively: its contract says so, else the config (or `--interactive`). */
export function isInteractive(task: Pick<AgentTask, 'feature' | 'config'>): boolean {
  return task.feature.interactive ?? task.config.interactive?.enabled ?? false;
}

/** The little script the window runs: the agent, then its exit code written where Baton reads it. */
function wrapperScript(command: string, exitFile: string): string {
  return `${command}\necho $? > ${quoteArg(exitFile)}\n`;
}

/** Reports the trust dialog through `baton hook`, the same path the agents' own hooks take. */
function reportTrustDialog(task: AgentTask): void {
  const argv = [
    ...task.batonCommand,
    'hook',
    'trust-dialog',
    '--status',
    'needs-input',
    '--feature',
    task.feature.feature_id,
    '--log',
    task.logPath,
  ];
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: task.env,
  });
  child.stdin.end(
    JSON.stringify({ message: `Claude Code asks whether to trust the folder ${task.worktree}` }),
  );
}

/** Prepares the agent, writes its wrapper and opens its window, with the screen copied to the log file. */
async function openAgentWindow(adapter: AgentAdapter, task: AgentTask, logFile: string) {
  const tmux = tmuxFor(task.env);
  const launch = await prepareInteractiveLaunch(adapter, task);
  if (adapter.name === 'claude' && task.config.interactive?.trust_worktrees) {
    // Claude runs on Baton's private copy of its config (CLAUDE_CONFIG_DIR): trust goes there, not the user's file.
    recordClaudeTrust({ ...task.env, ...launch.env }, task.worktree);
  }
  mkdirSync(task.scratchDir, { recursive: true });
  const exitFile = join(task.scratchDir, 'interactive-exit');
  rmSync(exitFile, { force: true });
  const wrapper = join(task.scratchDir, 'interactive.sh');
  const command = launch.shell ? launch.command : formatCommand([launch.command, ...launch.args]);
  writeFileSync(wrapper, wrapperScript(command, exitFile));
  closeSync(openSync(logFile, 'a'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...task.env, ...task.override?.env, ...launch.env })) {
    if (v !== undefined) env[k] = v;
  }
  const window = await openWindow(tmux, {
    session: sessionName(task.runId),
    name: task.feature.feature_id,
    cwd: task.worktree,
    shellCommand: formatCommand(['sh', wrapper]),
    env,
  });
  await runTmux(tmux, ['pipe-pane', '-t', window.paneId, '-o', `cat >> ${quoteArg(logFile)}`]);
  return { tmux, launch, window, exitFile };
}

/** A window being followed: where it is, how to end it, and what the log said about it so far. */
interface FollowedWindow {
  tmux: Tmux;
  windowId: string;
  paneId: string;
  /** The pane's program, leader of the window's process group. */
  pgid: number;
  /** Where the wrapper writes the agent's exit code. */
  exitFile: string;
  finishText?: string | undefined;
  cleanup?: (() => void) | undefined;
  /** When the agent started (ms since the epoch), for the exit's duration. */
  startedAt: number;
  /** Where in the log to read on from, and the session as the events before it left it. */
  cursor: { offset: number; line: number };
  watch: FinishWatch;
  sawHook: boolean;
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
  const { tmux, launch, window, exitFile } = await openAgentWindow(adapter, task, opts.logFile);
  return followWindow(adapter, task, opts, {
    tmux,
    windowId: window.windowId,
    paneId: window.paneId,
    pgid: window.panePid,
    exitFile,
    finishText: launch.finishText,
    cleanup: launch.cleanup,
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

/**
 * Supervises a window as a `Supervised` process: each tick reads the feature's new hooks, types the
 * exit command once the session is finished, reports Claude's trust dialog, and resolves `exited`
 * when the window's program is gone (its exit code read from the wrapper's file). Over 80 lines
 * because `stop`, the tick and `finish` share one window's state (who stopped it, the timer, the
 * session watch); split apart they would pass that state around as mutable objects.
 */
function followWindow(
  adapter: AgentAdapter,
  task: AgentTask,
  opts: InteractiveOptions,
  w: FollowedWindow,
): Supervised {
  const { tmux, pgid, exitFile } = w;
  const grace = opts.killGraceMs ?? 3000;
  let stoppedBy: ProcessExit['stoppedBy'];
  let stopping: Promise<void> | undefined;
  const gone = () => existsSync(exitFile) || !groupAlive(pgid);
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !gone()) await new Promise((r) => setTimeout(r, 25));
    return gone();
  };
  const stop = (reason: 'timeout' | 'interrupt' | 'stop' = 'stop'): Promise<void> => {
    stoppedBy ??= reason;
    stopping ??= (async () => {
      signalGroup(pgid, 'SIGTERM');
      if (!(await waitGone(grace))) signalGroup(pgid, 'SIGKILL');
      await waitGone(2000);
      await runTmux(tmux, ['kill-window', '-t', w.windowId]);
    })();
    return stopping;
  };
  const timer =
    opts.timeoutMs !== undefined ? setTimeout(() => void stop('timeout'), opts.timeoutMs) : undefined;
  timer?.unref();

  const exited = new Promise<ProcessExit & { stdout: string; stderr: string }>((resolve) => {
    let { cursor, watch, sawHook } = w;
    let finishSentAt: number | undefined;
    let trustReported = false;
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const chunk = readLog(task.logPath, cursor);
        cursor = { offset: chunk.endOffset, line: chunk.endLine };
        for (const e of chunk.events as LogEvent[]) {
          if (!isSessionEvent(e, task.feature.feature_id)) continue;
          sawHook = true;
          watch = observeSessionEvent(watch, e, Date.now());
          opts.onLogEvent?.(e as BatonEvent);
        }
        if (gone()) return finish();
        const autoFinishMs = (task.config.interactive?.auto_finish_s ?? 0) * 1000;
        if (w.finishText && finishSentAt === undefined && shouldFinish(watch, Date.now(), autoFinishMs)) {
          finishSentAt = Date.now();
          await sendText(tmux, w.paneId, w.finishText);
        }
        if (
          adapter.name === 'claude' &&
          !sawHook &&
          !trustReported &&
          showsTrustDialog(await capturePane(tmux, w.paneId))
        ) {
          trustReported = true;
          reportTrustDialog(task);
        }
      } catch {
        // A failed look (tmux busy, log rotated) is retried on the next tick.
      } finally {
        busy = false;
      }
    };
    const interval = setInterval(() => void tick(), opts.pollMs ?? 200);
    const finish = async () => {
      clearInterval(interval);
      if (timer) clearTimeout(timer);
      // The wrapper's exit file may land a moment after the group is gone.
      for (let i = 0; i < 10 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 20));
      const code = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : Number.NaN;
      if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      await runTmux(tmux, ['kill-window', '-t', w.windowId]);
      // Copies of the user's agent config (tokens) must not outlive the agent.
      w.cleanup?.();
      resolve({
        exitCode: Number.isInteger(code) && !stoppedBy ? code : null,
        signal: Number.isInteger(code) && !stoppedBy ? null : 'SIGTERM',
        timedOut: stoppedBy === 'timeout',
        durationMs: Date.now() - w.startedAt,
        stdout: '',
        stderr: '',
        ...(stoppedBy ? { stoppedBy } : {}),
      });
    };
  });
  return { pid: pgid, pgid, exited, stop };
}
