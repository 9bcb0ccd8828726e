/**
 * How each agent runs in a terminal of its own: the adapter's headless launch (which already wires
 * the hooks, settings and environment) turned into its interactive form, keyed by adapter name.
 *
 * - Claude Code: the TUI with the task as the first prompt; hooks through `--settings`, plus
 *   `PostToolUse` / `UserPromptSubmit` so a feature goes back to `running` once a prompt is answered;
 *   `/exit` ends it (https://docs.anthropic.com/en/docs/claude-code/cli-reference, …/hooks).
 * - Codex: the `codex [PROMPT]` TUI with the same `notify` override; `/quit` ends it.
 * - Gemini CLI: `gemini --prompt-interactive <task>`, same hooks; `/quit` ends it.
 * - OpenCode: the TUI with `--prompt <task>`; `/exit` ends it.
 * - Aider: the chat with the task file added read-only (`--read`); `/exit` ends it.
 * - `command` and `demo`: the program itself, which ends on its own.
 */
import { join } from 'node:path';
import type { AgentAdapter, AgentLaunch, AgentTask } from '../agents/adapter.js';
import { removeFiles } from '../agents/agent-home.js';
import { writeClaudeSettings } from '../agents/claude.js';
import { formatCommand, quoteArg } from '../agents/shell-words.js';

/** An interactive launch: the headless one with interactive argv, and the keys that end the session. */
export interface InteractiveLaunch extends AgentLaunch {
  /** Typed into the window to end the session once the agent has stopped; none: it ends by itself. */
  finishText?: string;
}

/** The command that ends each agent's interactive session; agents not listed end by themselves. */
const FINISH_TEXT = {
  claude: '/exit',
  codex: '/quit',
  gemini: '/quit',
  opencode: '/exit',
  aider: '/exit',
} as const;

/** What Baton types to end an agent's session once it has stopped (a window it re-attached to, too). */
export function finishTextOf(adapter: Pick<AgentAdapter, 'name'>): string | undefined {
  return (FINISH_TEXT as Readonly<Record<string, string>>)[adapter.name];
}

/** Claude's permission mode when the user set none: `default`, so its prompts reach the conductor. */
export const CLAUDE_INTERACTIVE_PERMISSION_MODE = 'default';

/** Removes the first occurrence of `flag` and, when `withValue`, the argument after it (pure). */
function dropFlag(args: readonly string[], flag: string, withValue: boolean): string[] {
  const i = args.indexOf(flag);
  if (i < 0) return [...args];
  return [...args.slice(0, i), ...args.slice(i + (withValue ? 2 : 1))];
}

/**
 * Claude Code's TUI argv, and its settings layer: the headless one (the user's own `--settings` merged
 * in, hooks kept on) with the hooks that report activity, written privately and removed with the rest.
 */
async function claudeInteractive(launch: AgentLaunch, task: AgentTask): Promise<InteractiveLaunch> {
  const file = join(task.scratchDir, 'claude-interactive-settings.json');
  await writeClaudeSettings(task, file, true);
  let args = dropFlag(dropFlag(launch.args, '-p', false), '--output-format', true);
  args = dropFlag(args, '--verbose', false);
  args = args.map((a, i) => (args[i - 1] === '--settings' ? file : a));
  if (task.override?.permission_mode === undefined && !task.override?.args) {
    args = args.map((a, i) => (args[i - 1] === '--permission-mode' ? CLAUDE_INTERACTIVE_PERMISSION_MODE : a));
  }
  const { stdin: _stdin, ...rest } = launch;
  const cleanup = () => {
    launch.cleanup?.();
    removeFiles([file])();
  };
  return { ...rest, args: [...args, task.prompt], finishText: FINISH_TEXT.claude, cleanup };
}

/** Per adapter: how its headless launch becomes an interactive one. */
const INTERACTIVE: Record<
  string,
  (launch: AgentLaunch, task: AgentTask) => InteractiveLaunch | Promise<InteractiveLaunch>
> = {
  claude: claudeInteractive,
  codex: (launch, task) => {
    const { stdin: _stdin, ...rest } = launch;
    const args = dropFlag(dropFlag(launch.args, 'exec', false), '--json', false).filter((a) => a !== '-');
    return { ...rest, args: [...args, task.prompt], finishText: FINISH_TEXT.codex };
  },
  gemini: (launch, task) => {
    const { stdin: _stdin, ...rest } = launch;
    const args = dropFlag(launch.args, '--output-format', true);
    return { ...rest, args: [...args, '--prompt-interactive', task.prompt], finishText: FINISH_TEXT.gemini };
  },
  opencode: (launch, task) => {
    const { stdin: _stdin, ...rest } = launch;
    const args = dropFlag(dropFlag(launch.args, 'run', false), '--format', true);
    return { ...rest, args: [...args, '--prompt', task.prompt], finishText: FINISH_TEXT.opencode };
  },
  aider: (launch, task) => {
    const args = dropFlag(dropFlag(launch.args, '--message-file', true), '--yes-always', false);
    return { ...launch, args: [...args, '--read', task.taskFile], finishText: FINISH_TEXT.aider };
  },
  command: (launch) => launch,
  demo: (launch) => launch,
};

/** Whether Baton knows how to run this adapter interactively. */
export function hasInteractiveMode(adapter: Pick<AgentAdapter, 'name'>): boolean {
  return adapter.name in INTERACTIVE;
}

/**
 * Prepares the agent through its adapter (hooks, settings, environment) and returns the launch to
 * run in a terminal: the adapter's own `prepareInteractive` when it has one, else the table above.
 */
export async function prepareInteractiveLaunch(
  adapter: AgentAdapter,
  task: AgentTask,
): Promise<InteractiveLaunch> {
  if (adapter.prepareInteractive) return adapter.prepareInteractive(task);
  const transform = INTERACTIVE[adapter.name];
  const launch = await adapter.prepare(task);
  if (!transform) return launch;
  const interactive = await transform(launch, task);
  return { ...interactive, display: interactiveDisplay(launch, interactive, task) };
}

/**
 * What `--dry-run` shows of an interactive launch (pure): the headless display (its variables and
 * program as shown) with the interactive argv in place of the headless one, the task written as
 * `"$(cat task.md)"` instead of the whole prompt, and no `< task.md` when the window reads no stdin.
 */
export function interactiveDisplay(
  headless: AgentLaunch,
  launch: AgentLaunch,
  task: Pick<AgentTask, 'prompt' | 'taskFile'>,
): string {
  const sameArgs =
    launch.args.length === headless.args.length && launch.args.every((a, i) => a === headless.args[i]);
  if (sameArgs && launch.stdin === headless.stdin) return headless.display;
  const words = launch.args
    .map((a) => (a === task.prompt ? `"$(cat ${quoteArg(task.taskFile)})"` : quoteArg(a)))
    .join(' ');
  const from = formatCommand(headless.args);
  const at = from ? headless.display.indexOf(from) : -1;
  if (at < 0) return [quoteArg(launch.command), words].filter(Boolean).join(' ');
  let shown = `${headless.display.slice(0, at)}${words}${headless.display.slice(at + from.length)}`;
  const stdin = ` < ${quoteArg(task.taskFile)}`;
  if (launch.stdin === undefined && shown.endsWith(stdin)) shown = shown.slice(0, -stdin.length);
  return shown;
}
