/**
 * Claude Code adapter. One file per agent, near 400 lines, on purpose: everything that follows one agent's
 * documented interface (flags, settings, hooks, output) stays beside the link that documents it; what
 * the adapters share already lives apart (agent-home.ts, agent-output.ts, baton-hook.ts, launch-args.ts),
 * and so does the config dir Claude gets for a run (claude-home.ts).
 *
 * Follows Claude Code's documented interface:
 * - headless mode, `-p` with the prompt on stdin, `--output-format stream-json --verbose` (one JSON
 *   event per line, ending with a `result` event carrying `total_cost_usd`, `num_turns`, `usage`,
 *   `permission_denials`): https://docs.anthropic.com/en/docs/claude-code/headless and
 *   https://docs.anthropic.com/en/docs/claude-code/cli-reference
 * - hooks (`Stop`, `SessionEnd`, `Notification`; command hooks get the payload as JSON on stdin and
 *   must print nothing Claude would misread): https://docs.anthropic.com/en/docs/claude-code/hooks
 * - `--settings <file>` adds a settings layer that is merged with the user's and the project's own
 *   `.claude/settings*.json` (every source's hooks run), so nothing is written into the worktree:
 *   https://docs.anthropic.com/en/docs/claude-code/settings
 * - `--permission-mode` (`manual`, `acceptEdits`, `plan`, `bypassPermissions`; Claude 2.1.332 renamed
 *   `default` to `manual` and still accepts `default`): the user's choice in config, `acceptEdits` by
 *   default. `--bare` and `--safe-mode` (and the `CLAUDE_CODE_SIMPLE`/`CLAUDE_CODE_SAFE_MODE` they set)
 *   would skip hooks, so they are never used.
 *
 * Observed with Claude Code 2.1.197: Stop → SessionEnd → exit; `Notification` does not fire in `-p`
 * mode, so a headless run's "needs input" is its `permission_denials`, which `parseUsage` reports.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { AgentUsage } from '../log/events.js';
import { newWorktreeHas } from '../runner/worktree-sees.js';
import { clipLine } from '../text/one-line.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { makePrivateDir, readUserConfig, writePrivateFile } from './agent-home.js';
import {
  lastEventOfType,
  looksRateLimited,
  numberOf,
  OWN_TEXT_LINES,
  objectOf,
  ownTextLines,
} from './agent-output.js';
import { appendHookGroups, batonHookCommand, reportHooksOff } from './baton-hook.js';
import { removeClaudeBackups, writeClaudeHome } from './claude-home.js';
import { claudeManagedHooksOff } from './claude-managed.js';
import { agentEnv, detectAgent } from './executable.js';
import { permissionFlags, refuseReservedFlags, stdinLaunch, takeFlagValues } from './launch-args.js';

/** The permission mode used unless the config sets `agents.claude.permission_mode`. */
export const CLAUDE_DEFAULT_PERMISSION_MODE = 'acceptEdits';

/** One Claude Code command hook entry. */
interface ClaudeHookGroup {
  matcher?: string;
  hooks: Array<{ type: 'command'; command: string; timeout?: number }>;
}

/** The settings layer Baton passes with `--settings`: its hooks, kept on whatever the user's settings say. */
export interface ClaudeSettings {
  /** `false` overrides a user's or project's `disableAllHooks: true`: `--settings` is the higher layer. */
  disableAllHooks: false;
  hooks: Record<'Stop' | 'SessionEnd' | 'Notification', ClaudeHookGroup[]> &
    Partial<Record<'PostToolUse' | 'UserPromptSubmit', ClaudeHookGroup[]>>;
}

/**
 * Builds the settings layer that keeps hooks on and reports Stop, SessionEnd and Notification to `baton
 * hook`; for the TUI (`activity`) also PostToolUse and UserPromptSubmit, which say a prompt was answered (pure).
 */
export function buildClaudeSettings(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  activity = false,
): ClaudeSettings {
  const group = (command: string): ClaudeHookGroup[] => [
    { hooks: [{ type: 'command', command, timeout: 30 }] },
  ];
  const active = {
    PostToolUse: group(batonHookCommand(task, 'post-tool-use')),
    UserPromptSubmit: group(batonHookCommand(task, 'user-prompt-submit')),
  };
  return {
    disableAllHooks: false,
    hooks: {
      Stop: group(batonHookCommand(task, 'stop')),
      SessionEnd: group(batonHookCommand(task, 'session-end')),
      Notification: group(batonHookCommand(task, 'notification', 'needs-input')),
      ...(activity ? active : {}),
    },
  };
}

/**
 * Flags of the user's that Claude would let replace what Baton needs, refused. A `--settings` of the
 * user's is merged into Baton's layer instead (Claude keeps only the last `--settings`).
 */
export const CLAUDE_RESERVED_FLAGS: Readonly<Record<string, string>> = {
  '--output-format': 'stream-json, from which it reads the usage and the denied tool calls',
  '--bare': "it skips every hook, Baton's included",
  '--safe-mode': "it skips every hook, Baton's included",
};

/**
 * Variables that make Claude skip every hook, Baton's included (`--safe-mode` and `--bare` set them).
 * Refused in `agents.claude.env`; from the inherited environment they are emptied for the run.
 */
export const CLAUDE_HOOKS_OFF_ENV = ['CLAUDE_CODE_SAFE_MODE', 'CLAUDE_CODE_SIMPLE'] as const;

/** Whether Claude reads a variable as on: `1`, `true`, `yes` or `on`, in any case, as Claude does. */
function claudeReadsOn(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase());
}

/** Refuses an `agents.claude.env` that turns Claude's hooks off, naming the variable. */
function refuseHooksOffEnv(env: Readonly<Record<string, string>> | undefined): void {
  const name = CLAUDE_HOOKS_OFF_ENV.find((n) => claudeReadsOn(env?.[n]));
  if (name === undefined) return;
  throw new UserError(
    'agents/reserved-env',
    `agents.claude.env sets ${name}, which makes Claude skip every hook, Baton's included`,
    { hint: `Remove ${name} from agents.claude.env in the config.` },
  );
}

/** The user's flags for Claude: their own `--settings` (the last one, as Claude keeps) and the rest. */
function claudeUserFlags(task: Pick<AgentTask, 'override' | 'feature'>): {
  settings: string | undefined;
  rest: string[];
} {
  refuseHooksOffEnv(task.override?.env);
  const flags = permissionFlags(task, 'claude', '--permission-mode', CLAUDE_DEFAULT_PERMISSION_MODE);
  refuseReservedFlags(flags, 'claude', CLAUDE_RESERVED_FLAGS);
  const { values, rest } = takeFlagValues(flags, ['--settings']);
  return { settings: values.at(-1), rest };
}

/**
 * The argv after `claude`: headless, streamed JSON, Baton's settings layer (with the user's own
 * `--settings` merged in), then the user's other flags. A flag in `CLAUDE_RESERVED_FLAGS` is a UserError.
 */
export function buildClaudeArgs(
  task: Pick<AgentTask, 'override' | 'feature'>,
  settingsFile: string,
): string[] {
  return [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--settings',
    settingsFile,
    ...claudeUserFlags(task).rest,
  ];
}

/**
 * The settings a user gave with `--settings` (a file, read from `cwd` as Claude would, or JSON text),
 * to merge into Baton's layer; one that Claude could not read either is a UserError naming it.
 */
export function readUserClaudeSettings(value: string, cwd: string): Record<string, unknown> {
  const file = value.trimStart().startsWith('{') ? undefined : resolve(cwd, value);
  const text = file === undefined ? value : readUserConfig(file, 'Claude Code');
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    // reported below
  }
  const settings = objectOf(parsed);
  if (settings) return settings;
  const what =
    file === undefined ? 'the JSON given to claude --settings' : `${file}, given to claude --settings`;
  throw new UserError(
    'agents/claude-settings',
    `cannot read ${what}: ${text === undefined ? 'there is no such file' : 'it is not a JSON object'}`,
    {
      hint: 'Fix the file or the flag in agents.claude.args / extra_args (Claude Code cannot start with it either).',
    },
  );
}

/**
 * The user's `--settings`, read as the run will: Claude reads a relative path from its cwd, the
 * feature's worktree. Before there is one (`run --dry-run`, `baton agents`) it is read from the main
 * checkout only when the worktree will have it, committed at the base or copied in: a gitignored file
 * there would pass the dry run and fail every feature.
 */
async function readOwnSettings(value: string, task: AgentTask): Promise<Record<string, unknown>> {
  const inline = value.trimStart().startsWith('{');
  if (existsSync(task.worktree) || inline || isAbsolute(value)) {
    return readUserClaudeSettings(value, existsSync(task.worktree) ? task.worktree : task.config.root);
  }
  const has = await newWorktreeHas(task.config.root, value, task.config);
  if (has === 'tracked' || has === 'copied') return readUserClaudeSettings(value, task.config.root);
  const why = has === 'outside' ? 'leads out of the repository' : 'is not committed (untracked or ignored)';
  throw new UserError(
    'agents/claude-settings',
    `cannot read ${value}, given to claude --settings: Claude reads a relative path in the feature's worktree, and ${value} ${why}, so worktrees will not have it`,
    { hint: "Commit the file, list it in the config's `copy`, or give --settings an absolute path." },
  );
}

/** Baton's settings layer with the user's own `--settings` merged under it: their keys and hooks, Baton's hooks on (pure). */
export function mergeClaudeSettings(
  user: Record<string, unknown> | undefined,
  baton: ClaudeSettings,
): Record<string, unknown> {
  if (!user) return { ...baton };
  return {
    ...user,
    disableAllHooks: false,
    hooks: appendHookGroups(objectOf(user.hooks) ?? {}, baton.hooks),
  };
}

/**
 * Writes Baton's settings layer for the task to `file`, private (the user's `--settings` merged in may
 * hold a token); with `activity` for the TUI (see `buildClaudeSettings`). The caller removes it.
 */
export async function writeClaudeSettings(task: AgentTask, file: string, activity = false): Promise<void> {
  const own = claudeUserFlags(task).settings;
  const user = own === undefined ? undefined : await readOwnSettings(own, task);
  const settings = mergeClaudeSettings(user, buildClaudeSettings(task, activity));
  writePrivateFile(file, `${JSON.stringify(settings, null, 2)}\n`);
}

/** A short, readable account of what a denied tool call wanted to do. */
function describeToolInput(input: Record<string, unknown> | undefined): string | undefined {
  if (!input) return undefined;
  for (const key of ['command', 'file_path', 'notebook_path', 'path', 'url', 'pattern']) {
    const v = input[key];
    if (typeof v === 'string' && v !== '') return clipLine(v);
  }
  const json = JSON.stringify(input);
  return json === '{}' ? undefined : clipLine(json);
}

/** Reads cost, tokens, turns and denied tool calls from the last `result` event of Claude's output (pure). */
export function parseClaudeUsage(output: string): AgentUsage | undefined {
  const result = lastEventOfType(output, 'result');
  if (!result) return undefined;
  const usage = objectOf(result.usage);
  const usageOut: AgentUsage = {};
  const cost = numberOf(result.total_cost_usd);
  if (cost !== undefined) usageOut.cost_usd = cost;
  if (usage) {
    // Cached input is still input the model read; Claude reports the three parts apart.
    const parts = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']
      .map((k) => numberOf(usage[k]))
      .filter((n): n is number => n !== undefined);
    if (parts.length > 0) usageOut.input_tokens = parts.reduce((a, b) => a + b, 0);
    const out = numberOf(usage.output_tokens);
    if (out !== undefined) usageOut.output_tokens = out;
  }
  const turns = numberOf(result.num_turns);
  if (turns !== undefined) usageOut.turns = turns;
  if (Array.isArray(result.permission_denials) && result.permission_denials.length > 0) {
    usageOut.permission_denials = result.permission_denials.map((d) => {
      const denial = objectOf(d) ?? {};
      const detail = describeToolInput(objectOf(denial.tool_input));
      return {
        tool: typeof denial.tool_name === 'string' ? denial.tool_name : 'unknown',
        ...(detail ? { detail } : {}),
      };
    });
  }
  return Object.keys(usageOut).length > 0 ? usageOut : undefined;
}

/** The API statuses of a rate limit (429), an overload (529) or an unavailable service (503). */
const CLAUDE_RETRYABLE_STATUSES = new Set(['429', '503', '529']);

/** The API error types (newer Claude Codes name them in `api_error_type`) of a rate limit or overload. */
const CLAUDE_RETRYABLE_TYPES = new Set(['rate_limit_error', 'overloaded_error']);

/**
 * Whether Claude stopped on a rate limit or overload. Its closing `result` event says so in
 * `api_error_status` (429, 529 or 503) or `api_error_type` (`rate_limit_error`, `overloaded_error`),
 * and when there is one it alone decides: a run that hit its turn limit (`api_error_status: null`) is
 * not retried because its transcript mentions a rate limit. Without a `result` event (Claude died
 * before it could write one) only its own lines, its stderr, are read.
 */
export function isClaudeRateLimited(output: string, exitCode: number | null): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  const result = lastEventOfType(output, 'result');
  if (result) {
    const status = result.api_error_status;
    const type = result.api_error_type;
    return (
      ((typeof status === 'number' || typeof status === 'string') &&
        CLAUDE_RETRYABLE_STATUSES.has(String(status))) ||
      (typeof type === 'string' && CLAUDE_RETRYABLE_TYPES.has(type))
    );
  }
  return looksRateLimited(ownTextLines(output, OWN_TEXT_LINES).join('\n'), exitCode);
}

/** Claude Code: `claude -p`, hooks through `--settings`, usage from the `result` event. */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  displayName: 'Claude Code',
  installHint:
    'Install Claude Code: npm install -g @anthropic-ai/claude-code (https://docs.anthropic.com/en/docs/claude-code/setup)',
  hasOwnHooks: true,
  detect(env, override, root) {
    return detectAgent(
      { name: 'claude', command: 'claude', packageName: '@anthropic-ai/claude-code' },
      env,
      override,
      root,
    );
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    makePrivateDir(task.scratchDir);
    const settingsFile = join(task.scratchDir, 'claude-settings.json');
    await writeClaudeSettings(task, settingsFile);
    const configDir = join(task.scratchDir, 'claude-config');
    // The user's config dir as the agent would see it: `agents.claude.env` may name an account's own.
    const env = agentEnv(task.env, task.override);
    const copies = writeClaudeHome(env, configDir);
    const vars = {
      // Set in the user's shell (for their own `claude --bare`), they would skip Baton's hooks too.
      ...Object.fromEntries(
        CLAUDE_HOOKS_OFF_ENV.filter((n) => claudeReadsOn(task.env[n])).map((n) => [n, '']),
      ),
      CLAUDE_CONFIG_DIR: configDir,
      // Credentials stay where Claude keeps them for the user (the keychain entry or
      // `.credentials.json` of the user's config dir), so a refreshed login is not lost.
      CLAUDE_SECURESTORAGE_CONFIG_DIR: env.CLAUDE_SECURESTORAGE_CONFIG_DIR ?? env.CLAUDE_CONFIG_DIR ?? '',
    };
    const copying = stdinLaunch(task, {
      program: 'claude',
      args: buildClaudeArgs(task, settingsFile),
      own: vars,
      shown: { CLAUDE_CONFIG_DIR: configDir },
      copies: [settingsFile, ...copies],
    });
    const cleanup = () => {
      copying.cleanup?.();
      removeClaudeBackups(copies);
    };
    const launch = { ...copying, cleanup };
    const off = claudeManagedHooksOff();
    return off ? reportHooksOff(task, launch, off) : launch;
  },
  checkFlags: (task) => void claudeUserFlags(task),
  parseUsage: parseClaudeUsage,
  isRateLimited: isClaudeRateLimited,
};
