/**
 * Gemini CLI adapter.
 *
 * Follows Gemini CLI's documented interface:
 * - headless mode: the prompt on stdin (stdin not a terminal means non-interactive),
 *   `--output-format stream-json` (one JSON event per line, ending with a `result` event whose
 *   `stats` hold token counts; no cost is reported):
 *   https://github.com/google-gemini/gemini-cli/blob/main/docs/cli/headless.md
 * - hooks in settings (`hooks.AfterAgent`, `SessionEnd`, `Notification`, Claude-like shape; command
 *   hooks get the payload as JSON on stdin and must print JSON or nothing):
 *   https://github.com/google-gemini/gemini-cli/blob/main/docs/hooks/index.md
 * - settings layers (system defaults, user `~/.gemini/settings.json`, workspace `.gemini/settings.json`,
 *   system) with `hooks` merged by concatenation across layers:
 *   https://github.com/google-gemini/gemini-cli/blob/main/docs/cli/configuration.md
 * - `--approval-mode` (`default`, `auto_edit`, `yolo`): the user's choice in config, `auto_edit` by
 *   default; headless runs in an untrusted folder fall back to `default`, so the worktree is marked
 *   trusted with `GEMINI_CLI_TRUST_WORKSPACE=true` unless the user set that variable:
 *   https://github.com/google-gemini/gemini-cli/blob/main/docs/cli/trusted-folders.md
 *
 * Where Baton's hooks go: the system settings files must be root-owned, and the workspace file is in
 * the worktree, so Baton points `GEMINI_CLI_HOME` at a folder in the scratch dir whose `.gemini/`
 * mirrors the user's (every entry a symlink to the real one, auth included) except `settings.json`,
 * which is the user's settings plus Baton's hooks. The user's `~/.gemini` is never written.
 * Observed with Gemini CLI 0.61.0.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { AgentUsage } from '../log/events.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { jsonObjectLines, looksRateLimited, numberOf, objectOf } from './agent-output.js';
import { batonHookCommand } from './baton-hook.js';
import { detectExecutable } from './executable.js';
import { displayLaunch, launchEnv, programOf, userFlags } from './launch-args.js';

/** The approval mode used unless the config sets `agents.gemini.permission_mode`. */
export const GEMINI_DEFAULT_APPROVAL_MODE = 'auto_edit';

/** One Gemini hook definition group. */
interface GeminiHookGroup {
  matcher?: string;
  hooks: Array<{ type: 'command'; name: string; command: string; timeout?: number }>;
}

/** Baton's hooks, by Gemini event name. */
export type GeminiHooks = Record<'AfterAgent' | 'SessionEnd' | 'Notification', GeminiHookGroup[]>;

/** Builds the hooks that report AfterAgent, SessionEnd and Notification to `baton hook` (pure). */
export function buildGeminiHooks(task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>): GeminiHooks {
  const group = (name: string, command: string): GeminiHookGroup[] => [
    { hooks: [{ type: 'command', name, command, timeout: 30_000 }] },
  ];
  return {
    AfterAgent: group('baton-stop', batonHookCommand(task, 'stop')),
    SessionEnd: group('baton-session-end', batonHookCommand(task, 'session-end')),
    Notification: group('baton-needs-input', batonHookCommand(task, 'notification', 'needs-input')),
  };
}

/** Removes `//` and block comments outside strings, as Gemini does before parsing settings (pure). */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The user's settings with Baton's hooks appended to each event's list, the user's own hooks kept
 * first (pure). Everything else in the user's settings is kept as is.
 */
export function mergeGeminiSettings(
  user: Record<string, unknown> | undefined,
  hooks: GeminiHooks,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(user ?? {}) };
  const existing = objectOf(merged.hooks) ?? {};
  const out: Record<string, unknown> = { ...existing };
  for (const [event, groups] of Object.entries(hooks)) {
    const mine = existing[event];
    out[event] = [...(Array.isArray(mine) ? mine : []), ...groups];
  }
  merged.hooks = out;
  return merged;
}

/** Parses the user's settings file text; a file Gemini itself could not read is a user error. */
export function parseGeminiSettings(text: string, file: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(stripJsonComments(text));
    const o = objectOf(v);
    if (o) return o;
  } catch {
    // reported below
  }
  throw new UserError('agents/gemini-settings', `cannot read ${file}: it is not a JSON object`, {
    hint: 'Fix the file (Gemini CLI cannot start with it either), then run again.',
  });
}

/**
 * Builds the mirror of the user's `~/.gemini` in `shadowHome`: symlinks to every real entry, and a
 * `settings.json` that adds Baton's hooks. Safe to call again for a retry.
 */
export function writeGeminiHome(realHome: string, shadowHome: string, hooks: GeminiHooks): void {
  const realDir = join(realHome, '.gemini');
  const shadowDir = join(shadowHome, '.gemini');
  mkdirSync(shadowDir, { recursive: true });
  const link = (target: string, path: string) => {
    if (!existsSync(target) || lstatSync(path, { throwIfNoEntry: false })) return;
    symlinkSync(target, path);
  };
  const entries = existsSync(realDir) ? readdirSync(realDir) : [];
  for (const name of entries) {
    if (name !== 'settings.json') link(join(realDir, name), join(shadowDir, name));
  }
  // Gemini also reads ~/.env for keys; keep finding the user's.
  link(join(realHome, '.env'), join(shadowHome, '.env'));
  const userFile = join(realDir, 'settings.json');
  const user = existsSync(userFile)
    ? parseGeminiSettings(readFileSync(userFile, 'utf8'), userFile)
    : undefined;
  writeFileSync(
    join(shadowDir, 'settings.json'),
    `${JSON.stringify(mergeGeminiSettings(user, hooks), null, 2)}\n`,
  );
}

/** The argv after `gemini` (pure): streamed JSON, then the user's flags; the prompt comes on stdin. */
export function buildGeminiArgs(task: Pick<AgentTask, 'override' | 'feature'>): string[] {
  const mode = task.override?.permission_mode ?? GEMINI_DEFAULT_APPROVAL_MODE;
  return [
    '--output-format',
    'stream-json',
    ...userFlags(task, 'gemini', ['--approval-mode', mode], (m) => ['--model', m]),
  ];
}

/** Reads token counts from the last `result` event of Gemini's stream-json output (pure). */
export function parseGeminiUsage(output: string): AgentUsage | undefined {
  const result = jsonObjectLines(output)
    .filter((e) => e.type === 'result')
    .at(-1);
  const stats = objectOf(result?.stats);
  if (!stats) return undefined;
  const input = numberOf(stats.input_tokens);
  const out = numberOf(stats.output_tokens);
  if (input === undefined && out === undefined) return undefined;
  return {
    ...(input !== undefined ? { input_tokens: input } : {}),
    ...(out !== undefined ? { output_tokens: out } : {}),
  };
}

/** Whether Gemini gave up on a quota or overload error (`429`, `RESOURCE_EXHAUSTED`, `503`). */
export function isGeminiRateLimited(output: string, exitCode: number | null): boolean {
  return looksRateLimited(output, exitCode);
}

/** Gemini CLI: headless stream-json, hooks through a mirrored `GEMINI_CLI_HOME`, tokens from `result`. */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  displayName: 'Gemini CLI',
  installHint:
    'Install Gemini CLI: npm install -g @google/gemini-cli (https://github.com/google-gemini/gemini-cli)',
  hasOwnHooks: true,
  detect(env, override) {
    return detectExecutable(override?.command ?? 'gemini', env, { packageName: '@google/gemini-cli' });
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    const realHome = task.env.GEMINI_CLI_HOME || task.env.HOME || homedir();
    const shadowHome = join(task.scratchDir, 'gemini-home');
    writeGeminiHome(realHome, shadowHome, buildGeminiHooks(task));
    const command = programOf(task, 'gemini');
    const args = buildGeminiArgs(task);
    const own = {
      GEMINI_CLI_HOME: shadowHome,
      GEMINI_CLI_TRUST_WORKSPACE: task.env.GEMINI_CLI_TRUST_WORKSPACE ?? 'true',
    };
    return {
      command,
      args,
      env: launchEnv(task, own),
      stdin: task.prompt,
      display: displayLaunch(command, args, { stdinFrom: task.taskFile, env: own }),
    };
  },
  parseUsage: parseGeminiUsage,
  isRateLimited: isGeminiRateLimited,
};
