/**
 * Aider adapter.
 *
 * Follows Aider's documented interface (https://aider.chat/docs/scripting.html and
 * https://aider.chat/docs/config/options.html):
 * - `--message-file <task>` does the one task, applies the edits and exits; `--yes-always` answers
 *   every confirmation, so nothing waits for a person. So that none of those yeses fetches a URL of the
 *   task or installs Playwright to do it, `--no-detect-urls --disable-playwright` (aider/args.py).
 * - `--chat-history-file` and `--input-history-file` go to the scratch folder and `--no-gitignore`
 *   keeps Aider from editing the project's `.gitignore` (a file no feature owns). Aider's other files
 *   (`.aider.tags.cache.*`) are kept out of the feature's commits by an `.aider*` line in the
 *   repository's local `info/exclude`, which is never committed.
 * - No hook fires in `--message` mode, so the process exit is the completion signal. Aider exits 0
 *   even when it gave up on the model API, so its last lines say whether it was rate limited.
 * - Cost is reported only as text after each reply: `Tokens: 2.3k sent, 1.1k cache hit, 150
 *   received. Cost: $0.01 message, $0.02 session.`
 */
import { closeSync, existsSync, lstatSync, mkdirSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { git } from '../git/git.js';
import type { AgentUsage } from '../log/events.js';
import { kindOf } from '../open-regular.js';
import { openStateFile, StatePathRefused } from '../state-write.js';
import { escapeControl } from '../text/escape.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { lastLines, looksRateLimited, RATE_LIMIT_PATTERN } from './agent-output.js';
import { detectAgent } from './executable.js';
import {
  displayLaunch,
  launchEnv,
  programOf,
  refuseReservedFlags,
  refuseUnappliedPermissionMode,
  userFlags,
} from './launch-args.js';

/**
 * Flags of the user's that would undo what Baton needs from Aider, refused. `--no-detect-urls` (with
 * `--disable-playwright`) keeps Aider, which answers yes to everything here, from adding a URL of the
 * task (an http criterion's `check: HTTP GET <url>`) and installing Playwright to fetch it.
 */
const AIDER_RESERVED_FLAGS: Readonly<Record<string, string>> = {
  '--detect-urls':
    '--no-detect-urls: with --yes-always Aider would fetch every URL of the task and install Playwright (pip, then `playwright install --with-deps`) to do it',
};

/** The user's flags for Aider (the config's and the contract's), a reserved one refused. */
function aiderUserFlags(task: Pick<AgentTask, 'override' | 'feature'>): string[] {
  refuseUnappliedPermissionMode(
    task,
    'aider',
    [],
    'Aider has no permission modes: Baton runs it with --yes-always, as a headless run needs.',
  );
  const flags = userFlags(task, 'aider', [], (m) => ['--model', m]);
  // Aider's options are argparse's, which takes a unique beginning of a long option for the whole.
  refuseReservedFlags(flags, 'aider', AIDER_RESERVED_FLAGS, { abbreviations: true });
  return flags;
}

/**
 * The argv after `aider` (pure): the task file, no questions, no URL fetching, history in the scratch
 * folder, the user's flags. A flag in `AIDER_RESERVED_FLAGS` is a UserError.
 */
export function buildAiderArgs(
  task: Pick<AgentTask, 'override' | 'feature' | 'taskFile' | 'scratchDir'>,
): string[] {
  return [
    '--message-file',
    task.taskFile,
    '--yes-always',
    '--no-detect-urls',
    '--disable-playwright',
    '--no-gitignore',
    '--chat-history-file',
    join(task.scratchDir, 'aider.chat.history.md'),
    '--input-history-file',
    join(task.scratchDir, 'aider.input.history'),
    '--no-check-update',
    '--no-show-release-notes',
    '--no-analytics',
    '--no-pretty',
    '--no-fancy-input',
    ...aiderUserFlags(task),
  ];
}

/** Reads Aider's token counts (`2.3k`, `12k`, `950`) back into numbers. */
function tokenCount(text: string): number {
  const m = /^([\d.]+)([kKmM]?)$/.exec(text);
  if (!m) return Number.NaN;
  const scale = m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * scale);
}

/**
 * Sums Aider's per-reply usage lines (pure): `sent` (which already counts cache writes) plus `cache
 * hit` as input, `received` as output, one turn per report, and the last `$x session` as the cost.
 */
export function parseAiderUsage(output: string): AgentUsage | undefined {
  let turns = 0;
  let input = 0;
  let out = 0;
  for (const m of output.matchAll(/^Tokens: (.+?)\.?$/gm)) {
    const report = m[1] ?? '';
    const part = (label: string) => {
      const hit = new RegExp(`([\\d.]+[kKmM]?) ${label}`).exec(report);
      return hit?.[1] ? tokenCount(hit[1]) : 0;
    };
    const sent = part('sent');
    const received = part('received');
    if (Number.isNaN(sent) || Number.isNaN(received)) continue;
    turns++;
    input += sent + (part('cache hit') || 0);
    out += received;
  }
  const costs = [...output.matchAll(/Cost: \$([\d.]+) message, \$([\d.]+) session\./g)];
  const session = costs.at(-1)?.[2];
  if (turns === 0 && session === undefined) return undefined;
  return {
    ...(session !== undefined ? { cost_usd: Number(session) } : {}),
    ...(turns > 0 ? { input_tokens: input, output_tokens: out, turns } : {}),
  };
}

/**
 * Whether Aider gave up on a provider rate limit (litellm's `RateLimitError`) or overload. Aider prints
 * only text, the files and commands it worked on among it, so only its last lines are read: where it
 * says why it stopped. In `--message` mode Aider exits 0 when it gives up after its own retries, so an
 * exit 0 counts too, but only when its last lines, after its last reply (`Tokens: …`) and its last
 * `Retrying in …` note, hold its own report of the error: litellm's `litellm.RateLimitError: …` line
 * or its "The API provider has rate limited you" (aider/coders/base_coder.py, aider/exceptions.py).
 */
export function isAiderRateLimited(output: string, exitCode: number | null): boolean {
  const last = lastLines(output, AIDER_LAST_LINES);
  if (exitCode !== 0) return looksRateLimited(last.join('\n'), exitCode);
  const after = last.slice(last.findLastIndex((l) => /^(?:Tokens: |Retrying in )/.test(l)) + 1);
  return after.some((l) => AIDER_GAVE_UP.test(l) && RATE_LIMIT_PATTERN.test(l));
}

/** The lines Aider prints about an API error as it gives up: litellm's error, or its words for a rate limit. */
const AIDER_GAVE_UP = /^(?:litellm\.|The API provider has rate limited you)/;

/** How many of its last lines say why Aider stopped (the error, then its "Retrying in…" notes). */
const AIDER_LAST_LINES = 10;

/**
 * Adds `.aider*` to the repository's local exclude file once, so Aider's caches are never committed.
 * An earlier agent can replace `info/exclude` (or `info/`) with a link to a file of the user's, a hard
 * link to one, or a FIFO: the file is opened as Baton's own state files are (`openStateFile`: no link
 * followed, regular files of one link only, no FIFO waited on), and anything else is left alone with a
 * warning on stderr (Aider's caches then count as the feature's changes, outside its `owns`).
 */
async function excludeAiderFiles(worktree: string): Promise<void> {
  if (!existsSync(worktree)) return; // dry run: nothing to protect yet
  const common = resolve(worktree, await git(worktree, ['rev-parse', '--git-common-dir']));
  const exclude = join(common, 'info', 'exclude');
  let fd: number;
  try {
    fd = openStateFile(common, exclude, 'append');
  } catch (err) {
    if (!(err instanceof StatePathRefused)) throw err;
    process.stderr.write(
      `warning: ${escapeControl(err.path)} is ${whatStands(err.path)}, not the repository's own; Baton added nothing to it, so Aider's caches (.aider*) count as the feature's changes\n`,
    );
    return;
  }
  try {
    const text = readFileSync(fd, 'utf8');
    if (text.split('\n').some((l) => l.trim() === '.aider*')) return;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    writeSync(fd, `${sep}# Aider's caches (added by Baton)\n.aider*\n`);
  } finally {
    closeSync(fd);
  }
}

/** What stands at `path`, for the warning: "a symbolic link", "a FIFO", "a file with 2 hard links". */
function whatStands(path: string): string {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.nlink > 1 ? `a file with ${st.nlink} hard links` : kindOf(st);
  } catch {
    return 'gone';
  }
}

/** Aider: `aider --message-file`, process exit is the signal, cost from its `Tokens: … Cost: …` lines. */
export const aiderAdapter: AgentAdapter = {
  name: 'aider',
  displayName: 'Aider',
  installHint:
    'Install Aider: python -m pip install aider-install && aider-install (https://aider.chat/docs/install.html)',
  hasOwnHooks: false,
  detect(env, override, root) {
    return detectAgent({ name: 'aider', command: 'aider' }, env, override, root);
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    mkdirSync(task.scratchDir, { recursive: true });
    await excludeAiderFiles(task.worktree);
    const program = programOf(task, 'aider');
    const args = buildAiderArgs(task);
    return {
      command: program.path,
      args,
      env: launchEnv(task, {}),
      display: displayLaunch(program.shown, args),
    };
  },
  checkFlags: (task) => void aiderUserFlags(task),
  parseUsage: parseAiderUsage,
  isRateLimited: isAiderRateLimited,
};
