import type { AgentOverride } from '../config-schema.js';
import type { AgentLaunch, AgentTask } from './adapter.js';
import { removeFiles } from './agent-home.js';
import { formatCommand, quoteArg } from './shell-words.js';

/**
 * The flags a user controls, in order: the adapter's defaults (or `agents.<name>.args` from the
 * config, which replaces them), `--model` when `model` is set, then `extra_args`, then the `args` of a
 * contract's `agent: { name, args }`. What Baton needs to deliver the prompt, wire the hooks and read
 * usage is added by the adapter around these and cannot be removed by mistake.
 */
export function userFlags(
  task: Pick<AgentTask, 'override' | 'feature'>,
  adapterName: string,
  defaults: readonly string[],
  modelFlags: (model: string) => string[],
): string[] {
  const o: AgentOverride | undefined = task.override;
  const spec = task.feature.agent;
  const contractArgs =
    spec && typeof spec === 'object' && 'name' in spec && spec.name === adapterName ? (spec.args ?? []) : [];
  return [
    ...(o?.args ?? defaults),
    ...(o?.model ? modelFlags(o.model) : []),
    ...(o?.extra_args ?? []),
    ...contractArgs,
  ];
}

/**
 * `userFlags` for an agent with a permission flag (`--permission-mode`, `--sandbox`, `--approval-mode`):
 * its value is the config's `permission_mode`, else the adapter's default; `--model` as usual.
 */
export function permissionFlags(
  task: Pick<AgentTask, 'override' | 'feature'>,
  adapterName: string,
  flag: string,
  defaultMode: string,
): string[] {
  const mode = task.override?.permission_mode ?? defaultMode;
  return userFlags(task, adapterName, [flag, mode], (m) => ['--model', m]);
}

/** The program to run: `agents.<name>.command` from the config, else the agent's usual name. */
export function programOf(task: Pick<AgentTask, 'override'>, defaultCommand: string): string {
  return task.override?.command ?? defaultCommand;
}

/**
 * The environment added for the agent: `PWD` set to the worktree, the adapter's own variables, then
 * the config's `env` on top. `PWD` matters: Baton inherits the caller's (the main checkout), and some
 * agents (OpenCode) take their working folder from `PWD` rather than from the real cwd, and would
 * then write into the main checkout.
 */
export function launchEnv(
  task: Pick<AgentTask, 'override' | 'worktree'>,
  own: Record<string, string>,
): Record<string, string> {
  return { PWD: task.worktree, ...own, ...(task.override?.env ?? {}) };
}

/**
 * What `--dry-run` and `baton agents` show: the variables the adapter sets, the exact argv, and where
 * stdin comes from. Only the adapter's own variables are shown, never inherited ones (keys live there).
 */
export function displayLaunch(
  command: string,
  args: readonly string[],
  opts: { stdinFrom?: string; env?: Record<string, string> } = {},
): string {
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${quoteArg(v)}`);
  const stdin = opts.stdinFrom ? ` < ${quoteArg(opts.stdinFrom)}` : '';
  return `${[...env, formatCommand([command, ...args])].join(' ')}${stdin}`;
}

/**
 * The launch of an agent that reads the task on stdin: the program (`agents.<name>.command` or its
 * usual name), the environment of `launchEnv`, the display with `< task file`, and a cleanup that
 * removes the copies of the user's config. `shown` are the variables the display names (default:
 * all of `own`).
 */
export function stdinLaunch(
  task: Pick<AgentTask, 'override' | 'worktree' | 'prompt' | 'taskFile'>,
  spec: {
    program: string;
    args: string[];
    own: Record<string, string>;
    shown?: Record<string, string>;
    copies?: readonly string[];
    settleMs?: number;
  },
): AgentLaunch {
  const command = programOf(task, spec.program);
  return {
    command,
    args: spec.args,
    env: launchEnv(task, spec.own),
    stdin: task.prompt,
    display: displayLaunch(command, spec.args, { stdinFrom: task.taskFile, env: spec.shown ?? spec.own }),
    ...(spec.settleMs !== undefined ? { settleMs: spec.settleMs } : {}),
    cleanup: removeFiles(spec.copies ?? []),
  };
}
