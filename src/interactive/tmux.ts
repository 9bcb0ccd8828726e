/**
 * The tmux edge: every call Baton makes to tmux, as argv arrays, on one server. The server is the
 * user's default one unless `BATON_TMUX_SOCKET` names a private socket (`tmux -L <name>`), which is
 * what the tests use so they never touch the user's sessions. tmux is always run without a feature's
 * own variables: the first call starts the server, which keeps the environment it was started with
 * for as long as it lives, and serves every feature of every run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import type { ProcessInfo } from '../guard/proc.js';
import { withoutFeatureEnvironment } from '../runner/feature-env.js';
import { escapeControl } from '../text/escape.js';

/** Which tmux server to talk to, and with which environment. */
export interface Tmux {
  /** Arguments put before every command (`-L <socket>` when a private socket is set). */
  readonly prefix: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** The size of a new session's windows, fixed so that nothing depends on the user's terminal. */
export const SESSION_SIZE = { columns: 200, rows: 50 } as const;

/** The tmux session of one run: `baton-<run_id>`. */
export function sessionName(runId: string): string {
  // tmux treats `.` and `:` as target separators.
  return `baton-${runId.replace(/[.:]/g, '-')}`;
}

/**
 * The tmux server for this environment: `BATON_TMUX_SOCKET` when set, else the default one. tmux runs
 * with `env` less its feature variables (`BATON_FEATURE_ID`, `BATON_RUN_ID`…): a server started with
 * them would carry one feature's identity, and be stopped as that agent's leftover when it ends.
 */
export function tmuxFor(env: NodeJS.ProcessEnv): Tmux {
  const socket = env.BATON_TMUX_SOCKET;
  return { prefix: socket ? ['-L', socket] : [], env: withoutFeatureEnvironment(env) };
}

/** The pid of the tmux server, when one runs (`#{pid}`, a server variable); it never starts one. */
export async function serverPid(tmux: Tmux): Promise<number | undefined> {
  const r = await runTmux(tmux, ['list-sessions', '-F', '#{pid}']);
  const pid = Number(r.stdout.split('\n')[0]);
  return r.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * What the sweep of an agent's leftovers must spare on this server: the server itself and the
 * processes it started (windows' programs, which their windows' stops end, and `pipe-pane` helpers,
 * which end with their panes); nothing when no server runs.
 */
export async function serverProcesses(
  tmux: Tmux,
): Promise<(p: Pick<ProcessInfo, 'pid' | 'ppid'>) => boolean> {
  const server = await serverPid(tmux);
  return (p) => server !== undefined && (p.pid === server || p.ppid === server);
}

/** Whether a program named `tmux` is on the environment's PATH. */
export function tmuxInstalled(env: NodeJS.ProcessEnv): boolean {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return dirs.some((d) => spawnSync('test', ['-x', join(d, 'tmux')]).status === 0);
}

/** Runs one tmux command and returns its output; never throws (the exit code says what happened). */
export function runTmux(
  tmux: Tmux,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('tmux', [...tmux.prefix, ...args], {
      env: tmux.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a tmux command that must succeed; a failure is an error naming the command and tmux's words. */
export async function tmuxOk(tmux: Tmux, args: readonly string[]): Promise<string> {
  const r = await runTmux(tmux, args);
  if (r.code !== 0) {
    throw new UserError(
      'interactive/tmux-failed',
      `tmux ${args[0]} failed: ${r.stderr.trim() || `exit ${r.code}`}`,
      {
        hint: `tmux said why; check that it answers on this server: ${printedTmux(tmux, ['list-sessions'])}`,
      },
    );
  }
  return r.stdout;
}

/**
 * A tmux command for a person to run, on Baton's server (`-L <socket>` when a private one is set),
 * its arguments quoted for a shell. Hints never name a command that ends a server: the default one
 * holds every agent window of a run and all of the user's own sessions.
 */
export function printedTmux(tmux: Tmux, args: readonly string[]): string {
  return ['tmux', ...tmux.prefix, ...args].map(printableArg).join(' ');
}

/** Whether the session exists on this server. */
export async function hasSession(tmux: Tmux, session: string): Promise<boolean> {
  return (await runTmux(tmux, ['has-session', '-t', `=${session}`])).code === 0;
}

/** A tmux server as a person knows it: the private one `BATON_TMUX_SOCKET` names, or the default one. */
function serverWords(socket: string | undefined): string {
  return socket
    ? `the tmux server BATON_TMUX_SOCKET=${socket} (tmux -L ${socket})`
    : 'the default tmux server';
}

/**
 * The error for a run whose session is not on this environment's tmux server but on the one its
 * `run.started` records (`tmuxSocket`): `stop`, `send` and `attach` would find no window here and
 * say so of a live run. Undefined when the servers are one, or the session is on neither.
 */
export async function otherServerError(
  env: NodeJS.ProcessEnv,
  run: { runId: string; tmuxSocket?: string | undefined },
): Promise<UserError | undefined> {
  const here = env.BATON_TMUX_SOCKET || undefined;
  if (here === run.tmuxSocket) return undefined;
  const session = sessionName(run.runId);
  if (!(await hasSession(tmuxFor({ ...env, BATON_TMUX_SOCKET: run.tmuxSocket ?? '' }), session)))
    return undefined;
  return new UserError(
    'interactive/other-server',
    `run ${run.runId}'s windows (session ${session}) are on ${serverWords(run.tmuxSocket)}, not on ${serverWords(here)} this command talks to`,
    {
      hint: run.tmuxSocket
        ? `Give the command the run's server: BATON_TMUX_SOCKET=${printableArg(run.tmuxSocket)} baton …`
        : 'Give the command the default server: env -u BATON_TMUX_SOCKET baton …',
      exitCode: 1,
    },
  );
}

/** A window Baton opened: tmux's ids for it and the pid of the program in its pane (a group leader). */
export interface OpenedWindow {
  windowId: string;
  paneId: string;
  panePid: number;
}

/** Serialises session creation, so two features starting at once share one session. */
let opening: Promise<unknown> = Promise.resolve();

/**
 * Opens a window named `name` running `shellCommand` (through `sh -c`) in `cwd`, creating the
 * session first when it does not exist. tmux makes the pane's program a session (and group) leader.
 * `env` goes on tmux's command line (`-e`), where any local user can read it (`ps`): never a secret.
 */
export function openWindow(
  tmux: Tmux,
  opts: { session: string; name: string; cwd: string; shellCommand: string; env: Record<string, string> },
): Promise<OpenedWindow> {
  const next = opening.then(async () => {
    const format = ['-P', '-F', '#{window_id} #{pane_id} #{pane_pid}'];
    // `new-window -e` sets these for this window's program only; `new-session -e` sets them for the
    // session too (taken out again below), where every window the user opens would inherit them.
    const env = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const common = ['-c', opts.cwd, '-n', opts.name, ...env, ...format];
    const exists = await hasSession(tmux, opts.session);
    // `attach` and `send` find a window by its name: a second window of that name would hide both.
    if (exists && (await listWindows(tmux, opts.session)).some((w) => w.name === opts.name)) {
      throw new UserError(
        'interactive/window-taken',
        `tmux session ${opts.session} already has a window named ${opts.name}, and Baton could not prove it is this run's`,
        {
          hint: `Look at it (${printedTmux(tmux, ['attach', '-t', `=${opts.session}:=${opts.name}`])}), close it if it is not needed, then resume again.`,
        },
      );
    }
    const out = exists
      ? await tmuxOk(tmux, ['new-window', '-d', '-t', `=${opts.session}:`, ...common, opts.shellCommand])
      : await tmuxOk(tmux, [
          'new-session',
          '-d',
          '-s',
          opts.session,
          '-x',
          String(SESSION_SIZE.columns),
          '-y',
          String(SESSION_SIZE.rows),
          ...common,
          opts.shellCommand,
        ]);
    if (!exists) await unsetSessionEnvironment(tmux, opts.session, Object.keys(opts.env));
    const [windowId, paneId, pid] = out.trim().split(' ');
    if (!windowId || !paneId || !pid) throw new Error(`unexpected tmux output: ${out}`);
    return { windowId, paneId, panePid: Number(pid) };
  });
  opening = next.catch(() => undefined);
  return next;
}

/**
 * Takes `names` out of the session's environment (one tmux call), so a window the user opens there
 * (Ctrl-b c) does not carry an agent's `BATON_RUN_ID` and `BATON_LOG` and pass for this run's agent.
 */
async function unsetSessionEnvironment(tmux: Tmux, session: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const unset = names.flatMap((n, i) => [
    ...(i > 0 ? [';'] : []),
    'set-environment',
    '-t',
    `=${session}`,
    '-u',
    n,
  ]);
  await tmuxOk(tmux, unset);
}

/**
 * How long Baton waits between typing text and pressing Enter. Agents' TUIs take keys that come in a
 * burst for a paste, and an Enter right after one for a newline in it, not a submission: Codex within
 * 120 ms of the burst, Gemini CLI within 30 ms of the last key. Typed back to back, `/quit` sat unsent.
 */
export const ENTER_AFTER_TEXT_MS = 250;

/**
 * Types text into a pane exactly as given (`send-keys -l`), then, after a pause, Enter unless told
 * otherwise. A pane in one of tmux's modes (copy-mode, left on after scrolling back) takes keys as
 * its commands, not the program's input: it is taken out of it first. Long text goes in pieces, each
 * a command tmux takes (see `literalPieces`).
 */
export async function sendText(tmux: Tmux, target: string, text: string, enter = true): Promise<void> {
  await leaveMode(tmux, target);
  for (const piece of literalPieces(text)) await tmuxOk(tmux, ['send-keys', '-t', target, '-l', '--', piece]);
  if (!enter) return;
  if (text !== '') await new Promise((r) => setTimeout(r, ENTER_AFTER_TEXT_MS));
  await tmuxOk(tmux, ['send-keys', '-t', target, 'Enter']);
}

/** The most bytes of text put in one `send-keys`: tmux refuses a command of more than about 16 KiB. */
export const SEND_PIECE_BYTES = 8192;

/**
 * `text` as the arguments of `send-keys -l` that type it exactly (pure): pieces of at most
 * `SEND_PIECE_BYTES`, cut between characters, each with a final `;` written `\;`. tmux takes an
 * argument's final `;` for the end of its command and drops it; `\;` it reads as a `;`.
 */
export function literalPieces(text: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const c of text) {
    const n = Buffer.byteLength(c, 'utf8');
    if (bytes + n > SEND_PIECE_BYTES) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += c;
    bytes += n;
  }
  if (piece !== '') pieces.push(piece);
  return pieces.map((p) => (p.endsWith(';') ? `${p.slice(0, -1)}\\;` : p));
}

/**
 * Whether a client shows the window of `target` (`#{window_active_clients}`, tmux 3.1+): someone may be
 * typing there. A tmux that cannot say counts as attached: Baton looks again on its next tick.
 */
export async function windowAttached(tmux: Tmux, target: string): Promise<boolean> {
  const r = await runTmux(tmux, ['display-message', '-p', '-t', target, '#{window_active_clients}']);
  if (r.code !== 0) return true;
  return Number(r.stdout.trim() || '0') > 0;
}

/**
 * Takes a pane out of the mode it is in (copy-mode, view-mode…), when it is in one: `copy-mode -q`
 * (tmux 3.2+) ends any, `send-keys -X cancel` copy-mode on an older tmux. A pane still in one is an
 * error: what Baton types would be lost, and `send` would say it was sent.
 */
async function leaveMode(tmux: Tmux, target: string): Promise<void> {
  const mode = async () =>
    (await tmuxOk(tmux, ['display-message', '-p', '-t', target, '#{pane_in_mode} #{pane_mode}'])).trim();
  if ((await mode()).startsWith('0')) return;
  if ((await runTmux(tmux, ['copy-mode', '-q', '-t', target])).code !== 0)
    await runTmux(tmux, ['send-keys', '-X', '-t', target, 'cancel']);
  const still = await mode();
  if (still.startsWith('0')) return;
  throw new UserError(
    'interactive/pane-in-mode',
    `the agent's pane is in tmux's ${escapeControl(still.slice(2)) || 'mode'}, where keys are tmux commands: nothing was typed`,
    {
      hint: 'Attach (baton attach), leave the mode (q or Escape), detach (Ctrl-b d), then send again.',
      exitCode: 1,
    },
  );
}

/** Sends named keys (`Enter`, `Escape`, `C-c`) to a pane. */
export async function sendKeys(tmux: Tmux, target: string, keys: readonly string[]): Promise<void> {
  await tmuxOk(tmux, ['send-keys', '-t', target, ...keys]);
}

/** The visible text of a pane (`capture-pane -p`), or an empty string when it is gone. */
export async function capturePane(tmux: Tmux, target: string): Promise<string> {
  const r = await runTmux(tmux, ['capture-pane', '-p', '-t', target]);
  return r.code === 0 ? r.stdout : '';
}

/** One pane of a session's windows: the window's name and id, the pane's id and its program's pid. */
export interface LiveWindow {
  name: string;
  windowId: string;
  paneId: string;
  panePid: number;
}

/** The windows of a session (one pane each in Baton's sessions); empty when the session is gone. */
export async function listWindows(tmux: Tmux, session: string): Promise<LiveWindow[]> {
  const r = await runTmux(tmux, [
    'list-panes',
    '-s',
    '-t',
    `=${session}`,
    '-F',
    '#{window_name}\t#{window_id}\t#{pane_id}\t#{pane_pid}',
  ]);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [name = '', windowId = '', paneId = '', pid = '0'] = l.split('\t');
      return { name, windowId, paneId, panePid: Number(pid) };
    });
}
