/**
 * A tmux window followed as a supervised process: each tick reads the feature's new hooks, types the
 * exit command once the session is finished, reports an agent's folder-trust question, and resolves
 * `exited` when the window's program is gone (its exit code read from the wrapper's file).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { batonHookArgv } from '../agents/baton-hook.js';
import type { BatonEvent, LogEvent } from '../log/events.js';
import { readLog } from '../log/read.js';
import { readRegular } from '../open-regular.js';
import {
  groupAlive,
  type ProcessExit,
  type Supervised,
  signalGroup,
  terminateGroup,
} from '../process/supervise.js';
import { showsTrustDialog } from './claude-trust.js';
import { showsCodexTrustDialog } from './codex-trust.js';
import {
  type FinishWatch,
  isQuieting,
  isSessionEvent,
  observeAttached,
  observeSessionEvent,
  shouldFinish,
} from './finish.js';
import { capturePane, runTmux, sendText, type Tmux, windowAttached } from './tmux.js';

/** Options of one interactive agent. */
export interface InteractiveOptions {
  logFile: string;
  timeoutMs?: number;
  /** Receives the feature's hook and intervention events as they reach the log (the live table). */
  onLogEvent?: (event: BatonEvent) => void;
  /** How often the log and the window are looked at; 200 ms keeps `needs-input` under a second. */
  pollMs?: number;
  killGraceMs?: number;
  /** How long after typing the exit command Baton types it again while the session has not ended. */
  finishRetryMs?: number;
}

/** How many times Baton types the exit command into a session that stays open and quiet. */
export const FINISH_TRIES = 3;

/** A window being followed: where it is, how to end it, and what the log said about it so far. */
export interface FollowedWindow {
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

type WindowExit = ProcessExit & { stdout: string; stderr: string };
type StopReason = NonNullable<ProcessExit['stoppedBy']>;

/** Supervises a window as a `Supervised` process (see the file's header). */
export function followWindow(
  adapter: AgentAdapter,
  task: AgentTask,
  opts: InteractiveOptions,
  w: FollowedWindow,
): Supervised {
  const follower = new WindowFollower(adapter, task, opts, w);
  return { pid: w.pgid, pgid: w.pgid, exited: follower.exited, stop: (reason) => follower.stop(reason) };
}

/**
 * The exit of a window's agent from the code its wrapper left (NaN: none) and who stopped it (pure): a
 * window Baton stopped ended by its SIGTERM; one whose code is missing ended by a signal nobody here
 * knows (its window closed by hand sends SIGHUP, a Ctrl-C in it SIGINT): no code, no signal named.
 */
export function windowExit(code: number, stoppedBy: StopReason | undefined, durationMs: number): WindowExit {
  const clean = Number.isInteger(code) && !stoppedBy;
  return {
    exitCode: clean ? code : null,
    signal: clean || !stoppedBy ? null : 'SIGTERM',
    timedOut: stoppedBy === 'timeout',
    durationMs,
    stdout: '',
    stderr: '',
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}

/** One window's state while it is followed: who stopped it, the timers, the session as the hooks tell it. */
class WindowFollower {
  readonly exited: Promise<WindowExit>;
  readonly #adapter: AgentAdapter;
  readonly #task: AgentTask;
  readonly #w: FollowedWindow;
  readonly #grace: number;
  readonly #autoFinishMs: number;
  readonly #onLogEvent: ((event: BatonEvent) => void) | undefined;
  #resolve: (exit: WindowExit) => void = () => {};
  #stoppedBy: StopReason | undefined;
  #stopping: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #interval: NodeJS.Timeout;
  #cursor: { offset: number; line: number };
  #watch: FinishWatch;
  #sawHook: boolean;
  readonly #finishRetryMs: number;
  /** When the exit command was typed, one time per try. */
  readonly #finishSentAt: number[] = [];
  #trustReported = false;
  #busy = false;

  constructor(adapter: AgentAdapter, task: AgentTask, opts: InteractiveOptions, w: FollowedWindow) {
    this.#adapter = adapter;
    this.#task = task;
    this.#w = w;
    this.#grace = opts.killGraceMs ?? 3000;
    this.#autoFinishMs = (task.config.interactive?.auto_finish_s ?? 0) * 1000;
    this.#finishRetryMs = opts.finishRetryMs ?? 10_000;
    this.#onLogEvent = opts.onLogEvent;
    this.#cursor = w.cursor;
    this.#watch = w.watch;
    this.#sawHook = w.sawHook;
    this.#timer =
      opts.timeoutMs !== undefined ? setTimeout(() => void this.stop('timeout'), opts.timeoutMs) : undefined;
    this.#timer?.unref();
    this.exited = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#interval = setInterval(() => void this.#tick(), opts.pollMs ?? 200);
  }

  /** Ends the window's process group: SIGTERM, SIGKILL after the grace period, then the window. */
  stop(reason: StopReason = 'stop'): Promise<void> {
    this.#stoppedBy ??= reason;
    this.#stopping ??= (async () => {
      const { pgid } = this.#w;
      if (!(await terminateGroup(pgid, this.#grace, (ms) => this.#waitGone(ms)))) await this.#waitGone(2000);
      await closeAgentPane(this.#w);
    })();
    return this.#stopping;
  }

  #gone(): boolean {
    return existsSync(this.#w.exitFile) || !groupAlive(this.#w.pgid);
  }

  async #waitGone(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !this.#gone()) await new Promise((r) => setTimeout(r, 25));
    return this.#gone();
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      this.#readHooks();
      if (this.#gone()) return this.#finish();
      await this.#lookAtWindow();
    } catch {
      // A failed look (tmux busy, log rotated) is retried on the next tick.
    } finally {
      this.#busy = false;
    }
  }

  /** The feature's hooks appended to the log since the last tick, folded into the session watch. */
  #readHooks(): void {
    const chunk = readLog(this.#task.logPath, this.#cursor);
    this.#cursor = { offset: chunk.endOffset, line: chunk.endLine };
    for (const e of chunk.events as LogEvent[]) {
      if (!isSessionEvent(e, this.#task.feature.feature_id)) continue;
      // `baton stop` writes this before it signals the window: the end is the user's, not a crash.
      if (e.type === 'user.intervention' && e.action === 'stop') this.#stoppedBy ??= 'user';
      this.#sawHook = true;
      this.#watch = observeSessionEvent(this.#watch, e, Date.now());
      this.#onLogEvent?.(e as BatonEvent);
    }
  }

  /**
   * Types the exit command once the session is finished and no client is attached to its window (the
   * conductor may be writing there: each look that finds one starts the quiet period over); reports
   * the agent's trust question before any hook.
   */
  async #lookAtWindow(): Promise<void> {
    const { tmux, paneId, finishText } = this.#w;
    const trying = finishText && isQuieting(this.#watch) && this.#finishSentAt.length < FINISH_TRIES;
    if (trying && (await windowAttached(tmux, paneId)))
      this.#watch = observeAttached(this.#watch, Date.now());
    else if (finishText && this.#finishDue()) {
      this.#finishSentAt.push(Date.now());
      await sendText(tmux, paneId, finishText);
    }
    const showsTrust = TRUST_SCREENS[this.#adapter.name];
    if (showsTrust && !this.#sawHook && !this.#trustReported && showsTrust(await capturePane(tmux, paneId))) {
      this.#trustReported = true;
      reportTrustDialog(this.#adapter, this.#task);
    }
  }

  /**
   * Whether to type the exit command now: the session is finished (`shouldFinish`) and it was not
   * typed yet, or was `finishRetryMs` ago and the session is still open and quiet (a try can be lost:
   * a TUI that took the keys as a paste), at most `FINISH_TRIES` times in all. Any hook or intervention
   * since makes the session unfinished again (the agent took it for a prompt and worked on).
   */
  #finishDue(): boolean {
    const now = Date.now();
    if (!shouldFinish(this.#watch, now, this.#autoFinishMs)) return false;
    const last = this.#finishSentAt.at(-1);
    return (
      last === undefined || (this.#finishSentAt.length < FINISH_TRIES && now - last >= this.#finishRetryMs)
    );
  }

  async #finish(): Promise<void> {
    clearInterval(this.#interval);
    if (this.#timer) clearTimeout(this.#timer);
    const { exitFile, pgid } = this.#w;
    // A `baton stop` written after this tick's read of the log.
    this.#readHooks();
    // The wrapper's exit file may land a moment after the group is gone; one an older wrapper wrote in
    // place (`echo $? > file`) may exist a moment before its code is in it.
    const written = () => (readRegular(exitFile)?.length ?? 0) > 0;
    for (let i = 0; i < 10 && !written(); i++) await new Promise((r) => setTimeout(r, 20));
    // The agent can reach its scratch folder: a FIFO or symlink put there is no exit code, never waited on.
    const text = readRegular(exitFile)?.toString('utf8').trim();
    const code = text === undefined || text === '' ? Number.NaN : Number(text);
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    await closeAgentPane(this.#w);
    // Copies of the user's agent config (tokens) must not outlive the agent.
    this.#w.cleanup?.();
    this.#resolve(windowExit(code, this.#stoppedBy, Date.now() - this.#w.startedAt));
  }
}

/**
 * Closes the agent's pane once its program is gone, only while that pane still runs the agent's
 * program (`pgid`): a pane the user gave another program (`respawn-pane`), or split beside, is left
 * alone. A pane with one window closes it.
 */
async function closeAgentPane(w: Pick<FollowedWindow, 'tmux' | 'paneId' | 'pgid'>): Promise<void> {
  const r = await runTmux(w.tmux, ['display-message', '-p', '-t', w.paneId, '#{pane_pid}']);
  if (r.code !== 0 || Number(r.stdout.trim()) !== w.pgid) return;
  await runTmux(w.tmux, ['kill-pane', '-t', w.paneId]);
}

/** Per agent: whether its screen shows the folder-trust question it asks in a new folder, before any hook. */
const TRUST_SCREENS: Readonly<Record<string, (screen: string) => boolean>> = {
  claude: showsTrustDialog,
  codex: showsCodexTrustDialog,
};

/** Reports the trust dialog through `baton hook`, the same path the agents' own hooks take. */
function reportTrustDialog(adapter: AgentAdapter, task: AgentTask): void {
  const argv = batonHookArgv(task, 'trust-dialog', 'needs-input');
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: task.env,
  });
  child.stdin.end(
    JSON.stringify({ message: `${adapter.displayName} asks whether to trust the folder ${task.worktree}` }),
  );
}
