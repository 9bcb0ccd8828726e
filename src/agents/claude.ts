/**
 * Claude Code adapter.
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
 * - `--permission-mode` (`default`, `acceptEdits`, `plan`, `bypassPermissions`): the user's choice in
 *   config, `acceptEdits` by default. `--bare` would skip hooks, so it is never used.
 *
 * Observed with Claude Code 2.1.197: Stop → SessionEnd → exit; `Notification` does not fire in `-p`
 * mode, so a headless run's "needs input" is its `permission_denials`, which `parseUsage` reports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentUsage } from '../log/events.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { jsonObjectLines, looksRateLimited, numberOf, objectOf, oneLine } from './agent-output.js';
import { batonHookCommand } from './baton-hook.js';
import { detectExecutable } from './executable.js';
import { displayLaunch, launchEnv, programOf, userFlags } from './launch-args.js';

/** The permission mode used unless the config sets `agents.claude.permission_mode`. */
export const CLAUDE_DEFAULT_PERMISSION_MODE = 'acceptEdits';

/** One Claude Code command hook entry. */
interface ClaudeHookGroup {
  matcher?: string;
  hooks: Array<{ type: 'command'; command: string; timeout?: number }>;
}

/** The settings layer Baton passes with `--settings`: only hooks. */
export interface ClaudeSettings {
  hooks: Record<'Stop' | 'SessionEnd' | 'Notification', ClaudeHookGroup[]>;
}

/** Builds the hooks settings that report Stop, SessionEnd and Notification to `baton hook` (pure). */
export function buildClaudeSettings(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
): ClaudeSettings {
  const group = (command: string): ClaudeHookGroup[] => [
    { hooks: [{ type: 'command', command, timeout: 30 }] },
  ];
  return {
    hooks: {
      Stop: group(batonHookCommand(task, 'stop')),
      SessionEnd: group(batonHookCommand(task, 'session-end')),
      Notification: group(batonHookCommand(task, 'notification', 'needs-input')),
    },
  };
}

/** The argv after `claude`: headless, streamed JSON, Baton's settings layer, then the user's flags (pure). */
export function buildClaudeArgs(
  task: Pick<AgentTask, 'override' | 'feature'>,
  settingsFile: string,
): string[] {
  const mode = task.override?.permission_mode ?? CLAUDE_DEFAULT_PERMISSION_MODE;
  return [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--settings',
    settingsFile,
    ...userFlags(task, 'claude', ['--permission-mode', mode], (m) => ['--model', m]),
  ];
}

/** A short, readable account of what a denied tool call wanted to do. */
function describeToolInput(input: Record<string, unknown> | undefined): string | undefined {
  if (!input) return undefined;
  for (const key of ['command', 'file_path', 'notebook_path', 'path', 'url', 'pattern']) {
    const v = input[key];
    if (typeof v === 'string' && v !== '') return oneLine(v);
  }
  const json = JSON.stringify(input);
  return json === '{}' ? undefined : oneLine(json);
}

/** Reads cost, tokens, turns and denied tool calls from the last `result` event of Claude's output (pure). */
export function parseClaudeUsage(output: string): AgentUsage | undefined {
  const result = jsonObjectLines(output)
    .filter((e) => e.type === 'result')
    .at(-1);
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

/**
 * Whether Claude stopped on a rate limit or overload: the `result` event's `api_error_status` is 429
 * or 529, or the error text says so (`rate_limit_error`, `overloaded_error`).
 */
export function isClaudeRateLimited(output: string, exitCode: number | null): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  const result = jsonObjectLines(output)
    .filter((e) => e.type === 'result')
    .at(-1);
  const status = result?.api_error_status;
  if (status === 429 || status === 529 || status === '429' || status === '529') return true;
  return looksRateLimited(output, exitCode);
}

/** Claude Code: `claude -p`, hooks through `--settings`, usage from the `result` event. */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  displayName: 'Claude Code',
  installHint:
    'Install Claude Code: npm install -g @anthropic-ai/claude-code (https://docs.anthropic.com/en/docs/claude-code/setup)',
  hasOwnHooks: true,
  detect(env, override) {
    return detectExecutable(override?.command ?? 'claude', env, { packageName: '@anthropic-ai/claude-code' });
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    mkdirSync(task.scratchDir, { recursive: true });
    const settingsFile = join(task.scratchDir, 'claude-settings.json');
    writeFileSync(settingsFile, `${JSON.stringify(buildClaudeSettings(task), null, 2)}\n`);
    const command = programOf(task, 'claude');
    const args = buildClaudeArgs(task, settingsFile);
    return {
      command,
      args,
      env: launchEnv(task, {}),
      stdin: task.prompt,
      display: displayLaunch(command, args, { stdinFrom: task.taskFile }),
    };
  },
  parseUsage: parseClaudeUsage,
  isRateLimited: isClaudeRateLimited,
};
