import type { AgentOverride } from '../config-schema.js';
import type { AgentTask } from './adapter.js';
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
