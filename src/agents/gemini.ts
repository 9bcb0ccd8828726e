/**
 * Gemini CLI adapter. One file per agent, near 400 lines, on purpose: everything that follows one agent's
 * documented interface (flags, settings, hooks, output) stays beside the link that documents it; what
 * the adapters share already lives apart (agent-home.ts, agent-output.ts, baton-hook.ts, launch-args.ts).
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
 * the worktree, so Baton points `GEMINI_CLI_HOME` at a home of the run's own in the scratch dir:
 * links to what Gemini reads from the user's `~/.gemini` (auth, `.env`, memory, commands, extensions)
 * and a private copy of the user's `settings.json` plus Baton's hooks, with `hooksConfig.enabled`
 * forced on. Gemini writes its chats, history and project registry there, never in the user's home.
 * Observed with Gemini CLI 0.61.0.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParseError } from 'jsonc-parser';
import { UserError } from '../errors.js';
import type { AgentUsage } from '../log/events.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { entriesOf, linkEntries, makePrivateDir, readUserConfig, writePrivateFile } from './agent-home.js';
import {
  lastEventOfType,
  looksRateLimited,
  numberOf,
  OWN_TEXT_LINES,
  objectOf,
  ownTextLines,
  tokenUsage,
} from './agent-output.js';
import { appendHookGroups, batonHookCommand, reportHooksOff } from './baton-hook.js';
import { agentEnv, detectAgent } from './executable.js';
import { permissionFlags, type ReservedFlag, refuseReservedFlags, stdinLaunch } from './launch-args.js';

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

/** The names Baton gives its Gemini hooks, so a `hooksConfig.disabled` list cannot name them. */
const BATON_GEMINI_HOOK_NAMES = ['baton-stop', 'baton-session-end', 'baton-needs-input'];

/**
 * The user's settings with Baton's hooks appended to each event's list, the user's own hooks kept
 * first, and hooks kept on: `hooksConfig.enabled` is forced to true and Baton's hook names are taken
 * out of `hooksConfig.disabled` (pure). The user's own hooks stay disabled if they disabled them.
 */
export function mergeGeminiSettings(
  user: Record<string, unknown> | undefined,
  hooks: GeminiHooks,
  alsoOff: readonly string[] = [],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(user ?? {}) };
  const existing = objectOf(merged.hooks) ?? {};
  merged.hooks = appendHookGroups(existing, hooks);
  const config = objectOf(merged.hooksConfig) ?? {};
  const disabled = Array.isArray(config.disabled)
    ? config.disabled.filter((n) => !BATON_GEMINI_HOOK_NAMES.includes(String(n)))
    : undefined;
  // When the user's hooks are all off, keep their own hooks off by name, and Baton's on.
  const userHookNames = config.enabled === false ? [...hookNamesOf(existing), ...alsoOff] : [];
  const off = [...(disabled ?? []), ...userHookNames];
  merged.hooksConfig = {
    ...config,
    enabled: true,
    ...(off.length > 0 || disabled ? { disabled: off } : {}),
  };
  return merged;
}

/** The `name` (else the `command`) of every hook in a settings `hooks` object, as Gemini identifies them. */
function hookNamesOf(hooks: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const groups of Object.values(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const group of groups) {
      const list = objectOf(group)?.hooks;
      if (!Array.isArray(list)) continue;
      for (const h of list) {
        const hook = objectOf(h);
        const id = hook?.name ?? hook?.command;
        if (typeof id === 'string') names.push(id);
      }
    }
  }
  return names;
}

/** Parses the user's settings file text; a file Gemini itself could not read is a user error. */
export function parseGeminiSettings(text: string, file: string): Record<string, unknown> {
  try {
    // Gemini strips comments and parses strict JSON: a trailing comma stops it too.
    const errors: ParseError[] = [];
    // Loaded only when a Gemini settings file is read: every run loads this adapter, few use it.
    const { parse: parseJsonc } = createRequire(import.meta.url)(
      'jsonc-parser',
    ) as typeof import('jsonc-parser');
    const v: unknown = parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: false });
    const o = objectOf(v);
    if (o && errors.length === 0) return o;
  } catch {
    // reported below
  }
  throw new UserError('agents/gemini-settings', `cannot read ${file}: it is not a JSON object`, {
    hint: 'Fix the file (Gemini CLI cannot start with it either), then run again.',
  });
}

/**
 * What Gemini reads from the user's `~/.gemini`, linked (never copied) into its own home for the
 * run: credentials, keys, instructions, commands, extensions, policies. Not linked, so written in
 * the run's own home: `tmp/` (chats, checkpoints), `history/`, `projects.json` and its lock.
 */
export const GEMINI_LINKED_ENTRIES = [
  'oauth_creds.json',
  'google_accounts.json',
  'mcp-oauth-tokens.json',
  'a2a-oauth-tokens.json',
  'installation_id',
  'trustedFolders.json',
  '.env',
  'commands',
  'skills',
  'agents',
  'extensions',
  'policies',
  'acknowledgments',
  'keybindings.json',
] as const;

/** What Gemini reads from the home folder itself (`GEMINI_CLI_HOME`): `~/.env` and `~/.agents/`. */
const GEMINI_HOME_LINKED_ENTRIES = ['.env', '.agents'] as const;

/**
 * Builds Gemini's home for one run in `shadowHome`: links to what it reads from the user's (memory
 * files such as `GEMINI.md` included), and `settings.json`, a private copy (0600, it may hold MCP
 * tokens) of the user's settings plus Baton's hooks, kept on. Safe to call again for a retry.
 * Returns the copies to remove when Gemini ends.
 */
export function writeGeminiHome(
  realHome: string,
  shadowHome: string,
  hooks: GeminiHooks,
  alsoOff: readonly string[] = [],
): string[] {
  const realDir = join(realHome, '.gemini');
  const shadowDir = join(shadowHome, '.gemini');
  makePrivateDir(shadowHome);
  linkEntries(realHome, shadowHome, GEMINI_HOME_LINKED_ENTRIES);
  const memory = entriesOf(realDir).filter((n) => n.endsWith('.md'));
  linkEntries(realDir, shadowDir, [...GEMINI_LINKED_ENTRIES, ...memory]);
  const userFile = join(realDir, 'settings.json');
  const text = readUserConfig(userFile, 'Gemini CLI');
  const user = text === undefined ? undefined : parseGeminiSettings(text, userFile);
  const copy = join(shadowDir, 'settings.json');
  writePrivateFile(copy, `${JSON.stringify(mergeGeminiSettings(user, hooks, alsoOff), null, 2)}\n`);
  return [copy];
}

/**
 * Reads the project's own `.gemini/settings.json` in the worktree (a layer above the user's that
 * Baton cannot override): why Baton's hooks will not fire there, if they will not, and the names
 * of the project's hooks, which stay off when the user turned every hook off.
 */
export function readGeminiWorkspace(worktree: string): { hooksOff?: string; hookNames: string[] } {
  const file = join(worktree, '.gemini', 'settings.json');
  const text = readUserConfig(file, 'Gemini CLI');
  if (text === undefined) return { hookNames: [] };
  const settings = parseGeminiSettings(text, file);
  const config = objectOf(settings.hooksConfig);
  const hookNames = hookNamesOf(objectOf(settings.hooks) ?? {});
  if (config?.enabled === false) {
    return { hooksOff: `Gemini's hooks are off (hooksConfig.enabled: false in ${file})`, hookNames };
  }
  const disabled = Array.isArray(config?.disabled) ? config.disabled.map(String) : [];
  const named = BATON_GEMINI_HOOK_NAMES.filter((n) => disabled.includes(n));
  if (named.length > 0) {
    return {
      hooksOff: `Baton's Gemini hooks are disabled by name (${named.join(', ')} in ${file})`,
      hookNames,
    };
  }
  return { hookNames };
}

/**
 * Why Gemini will run no hook (Baton's included) for this run, told by the environment it gets (pure):
 * `GEMINI_RESTRICTED_MODE=true` or `GEMINI_CLI_TRUST_WORKSPACE=false` make every folder untrusted
 * (Gemini's checkPathTrust), and in an untrusted folder Gemini skips hooks and falls back to the
 * `default` approval mode.
 */
export function geminiUntrustedReason(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const set =
    env.GEMINI_RESTRICTED_MODE === 'true'
      ? 'GEMINI_RESTRICTED_MODE=true'
      : env.GEMINI_CLI_TRUST_WORKSPACE === 'false'
        ? 'GEMINI_CLI_TRUST_WORKSPACE=false'
        : undefined;
  if (set === undefined) return undefined;
  return `Gemini runs no hook and only the default approval mode in an untrusted folder (${set} in the environment)`;
}

/** Gemini's yolo mode, asked the way Baton can pass it: Gemini exits on `--yolo` beside `--approval-mode`. */
const GEMINI_YOLO: ReservedFlag = {
  why: 'the approval mode (--approval-mode), which Gemini refuses beside --yolo ("Cannot use both --yolo (-y) and --approval-mode together")',
  instead: 'For yolo mode set `agents.gemini.permission_mode: yolo` (Baton passes --approval-mode yolo).',
};

/** Flags of the user's that would replace what Baton needs from Gemini, or stop it, refused. */
const GEMINI_RESERVED_FLAGS: Readonly<Record<string, ReservedFlag>> = {
  '--output-format': 'stream-json, from which it reads the usage',
  '-o': 'stream-json (--output-format), from which it reads the usage',
  '--yolo': GEMINI_YOLO,
  '-y': GEMINI_YOLO,
};

/** The argv after `gemini` (pure): streamed JSON, then the user's flags; the prompt comes on stdin. */
export function buildGeminiArgs(task: Pick<AgentTask, 'override' | 'feature'>): string[] {
  const flags = permissionFlags(task, 'gemini', '--approval-mode', GEMINI_DEFAULT_APPROVAL_MODE);
  // Gemini CLI parses with yargs, which takes `--outputFormat` for `--output-format`.
  refuseReservedFlags(flags, 'gemini', GEMINI_RESERVED_FLAGS, { camelCase: true });
  return ['--output-format', 'stream-json', ...flags];
}

/** Reads token counts from the last `result` event of Gemini's stream-json output (pure). */
export function parseGeminiUsage(output: string): AgentUsage | undefined {
  const stats = objectOf(lastEventOfType(output, 'result')?.stats);
  if (!stats) return undefined;
  return tokenUsage(numberOf(stats.input_tokens), numberOf(stats.output_tokens));
}

/**
 * Whether Gemini gave up on a quota or overload error (`429`, `RESOURCE_EXHAUSTED`, `503`). Its closing
 * `result` event says whether it failed, but only in words (`error.message`): a successful result is
 * never a rate limit; otherwise that message and Gemini's stderr (where it prints the API's `status: 429`)
 * are read, never the transcript.
 */
export function isGeminiRateLimited(output: string, exitCode: number | null): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  const result = lastEventOfType(output, 'result');
  if (result?.status === 'success') return false;
  const message = objectOf(result?.error)?.message;
  const said = [...ownTextLines(output, OWN_TEXT_LINES), ...(typeof message === 'string' ? [message] : [])];
  return looksRateLimited(said.join('\n'), exitCode);
}

/** Gemini CLI: headless stream-json, hooks through a mirrored `GEMINI_CLI_HOME`, tokens from `result`. */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  displayName: 'Gemini CLI',
  installHint:
    'Install Gemini CLI: npm install -g @google/gemini-cli (https://github.com/google-gemini/gemini-cli)',
  hasOwnHooks: true,
  detect(env, override, root) {
    return detectAgent(
      { name: 'gemini', command: 'gemini', packageName: '@google/gemini-cli' },
      env,
      override,
      root,
    );
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    // The user's home as the agent would see it: `agents.gemini.env` may name a Gemini home of its own.
    const env = agentEnv(task.env, task.override);
    const realHome = env.GEMINI_CLI_HOME || env.HOME || homedir();
    const shadowHome = join(task.scratchDir, 'gemini-home');
    const workspace = readGeminiWorkspace(task.worktree);
    const copies = writeGeminiHome(realHome, shadowHome, buildGeminiHooks(task), workspace.hookNames);
    const own = {
      GEMINI_CLI_HOME: shadowHome,
      GEMINI_CLI_TRUST_WORKSPACE: env.GEMINI_CLI_TRUST_WORKSPACE ?? 'true',
    };
    const launch = stdinLaunch(task, { program: 'gemini', args: buildGeminiArgs(task), own, copies });
    // An untrusted folder does not read the workspace's settings either: its reason comes first.
    const off = geminiUntrustedReason(env) ?? workspace.hooksOff;
    return off ? reportHooksOff(task, launch, off) : launch;
  },
  checkFlags: (task) => void buildGeminiArgs(task),
  parseUsage: parseGeminiUsage,
  isRateLimited: isGeminiRateLimited,
};
