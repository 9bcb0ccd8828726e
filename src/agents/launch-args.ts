import type { AgentOverride } from '../config-schema.js';
import { UserError } from '../errors.js';
import type { AgentLaunch, AgentTask } from './adapter.js';
import { removeFiles } from './agent-home.js';
import { resolveAgentProgram } from './executable.js';
import { formatCommand, quoteArg } from './shell-words.js';

/**
 * The flags a user controls, in order: the adapter's defaults (or `agents.<name>.args` from the
 * config, which replaces them), the flags of a setting the config chose (`chosen`: the permission flag
 * of a `permission_mode`), `--model` when `model` is set, then `extra_args`, then the `args` of a
 * contract's `agent: { name, args }` (else the config's); an option given twice keeps its last value
 (`lastOnly`). What Baton needs to deliver the prompt, wire the hooks and read
 * usage is added by the adapter around these and cannot be removed by mistake.
 */
export function userFlags(
  task: Pick<AgentTask, 'override' | 'feature'> & { config?: Pick<AgentTask['config'], 'agent'> },
  adapterName: string,
  defaults: readonly string[],
  modelFlags: (model: string) => string[],
  singles: readonly (readonly string[])[] = [],
  chosen: readonly string[] = [],
): string[] {
  const o: AgentOverride | undefined = task.override;
  // The agent the feature runs: its contract's, else the config's `agent: { name, args }`.
  const spec = task.feature.agent ?? task.config?.agent;
  const specArgs =
    spec && typeof spec === 'object' && 'name' in spec && spec.name === adapterName ? (spec.args ?? []) : [];
  const flags = [
    ...(o?.args ?? defaults),
    // A setting the config chose explicitly (`permission_mode`): `args` replaces defaults, not choices.
    ...chosen,
    ...(o?.model ? modelFlags(o.model) : []),
    ...(o?.extra_args ?? []),
    ...specArgs,
  ];
  return lastOnly(flags, [...singles, ['--model']]);
}

/**
 * `flags` with each option that takes one value and may be given once (`--model o3`, `--model=o3`,
 * `-mo3`; each group's names are one option, `-m` and `--model`) kept at its last occurrence only
 * (pure): a contract's `--model` replaces the config's, which replaces the default, instead of an
 * agent CLI refusing the flag given twice.
 */
export function lastOnly(flags: readonly string[], groups: readonly (readonly string[])[]): string[] {
  // Each occurrence, in any spelling `flagValue` reads (`-m o3`, `--model=o3`, `-mo3`): its group and
  // how many tokens it takes; a name last with no value after it is one token.
  const spans: { at: number; length: number; group: number }[] = [];
  for (let i = 0; i < flags.length; i++) {
    const token = flags[i] ?? '';
    const group = groups.findIndex((g) => g.includes(token) || flagValue(token, undefined, g) !== undefined);
    if (group === -1) continue;
    const length = flagValue(token, flags[i + 1], groups[group] ?? [])?.used ?? 1;
    spans.push({ at: i, length, group });
    i += length - 1;
  }
  const last = new Map<number, number>();
  for (const s of spans) last.set(s.group, s.at);
  const dropped = new Set<number>();
  for (const s of spans) {
    if (last.get(s.group) === s.at) continue;
    for (let k = 0; k < s.length; k++) dropped.add(s.at + k);
  }
  return flags.filter((_, i) => !dropped.has(i));
}

/**
 * `userFlags` for an agent with a permission flag (`--permission-mode`, `--sandbox`, `--approval-mode`):
 * its value is the config's `permission_mode`, kept when `agents.<name>.args` is set too (a flag of the
 * user's own later in `extra_args` or a contract's args still wins), else the adapter's default, which
 * `args` replaces; `--model` as usual.
 */
export function permissionFlags(
  task: Pick<AgentTask, 'override' | 'feature'> & { config?: Pick<AgentTask['config'], 'agent'> },
  adapterName: string,
  flag: string,
  defaultMode: string,
): string[] {
  const chosen = task.override?.permission_mode;
  // Claude has no `-m`; Codex and Gemini CLI take it for `--model`.
  const model = adapterName === 'claude' ? ['--model'] : ['--model', '-m'];
  // Codex takes `-s` for `--sandbox`.
  const permission = adapterName === 'codex' ? [flag, '-s'] : [flag];
  return userFlags(
    task,
    adapterName,
    [flag, chosen ?? defaultMode],
    (m) => ['--model', m],
    [permission, model],
    chosen === undefined ? [] : [flag, chosen],
  );
}

/**
 * Refuses a `permission_mode` the agent cannot apply (`applies`: the values it turns into a flag),
 * with a UserError naming it: dropped without a word, the agent would run in a mode nobody chose.
 */
export function refuseUnappliedPermissionMode(
  task: Pick<AgentTask, 'override'>,
  adapterName: string,
  applies: readonly string[],
  instead: string,
): void {
  const mode = task.override?.permission_mode;
  if (mode === undefined || applies.includes(mode)) return;
  const takes = applies.length === 0 ? 'takes no permission_mode' : `takes only ${applies.join(', ')}`;
  throw new UserError(
    'agents/permission-mode',
    `agents.${adapterName}.permission_mode is "${mode}", which ${adapterName} cannot apply: Baton's ${adapterName} adapter ${takes}`,
    { hint: `Remove it from agents.${adapterName} in the config, or change it. ${instead}` },
  );
}

/** Where the user's flags for an agent come from, as a message names them. */
function flagSources(adapterName: string): string {
  return `agents.${adapterName}.args / extra_args in the config, or a contract's agent.args`;
}

/** Why Baton keeps a flag to itself, and optionally what to do instead of passing it. */
export type ReservedFlag = string | { why: string; instead: string };

/**
 * Refuses a user's flag that would silently undo what Baton needs (`reserved`: flag → why Baton
 * sets it, and what to do instead when there is a way), with a UserError naming the flag: the agent
 * would otherwise run and Baton lose its usage or its completion signal without a word. With
 * `camelCase`, for a yargs parser, a camel-case spelling (`--outputFormat`) is the flag it spells.
 */
export function refuseReservedFlags(
  flags: readonly string[],
  adapterName: string,
  reserved: Readonly<Record<string, ReservedFlag>>,
  options: { abbreviations?: boolean; camelCase?: boolean } = {},
): void {
  for (const flag of flags) {
    const name = flag.split('=')[0] ?? flag;
    const meant = reservedFlagMeant(
      options.camelCase ? kebabFlag(name) : name,
      reserved,
      options.abbreviations === true,
    );
    if (meant === undefined) continue;
    const entry = reserved[meant]!;
    const why = typeof entry === 'string' ? entry : entry.why;
    const instead = typeof entry === 'string' ? '' : ` ${entry.instead}`;
    const read = meant === name ? '' : ` (read as ${meant})`;
    throw new UserError(
      'agents/reserved-flag',
      `the flags for ${adapterName} set ${name}${read}, which Baton sets itself: ${why}`,
      { hint: `Remove ${name} from ${flagSources(adapterName)}.${instead}` },
    );
  }
}

/**
 * A long option in the kebab case a program declares it in (pure): `--outputFormat` is
 * `--output-format` to a yargs parser (Gemini CLI, OpenCode), which takes both spellings.
 */
export function kebabFlag(name: string): string {
  return name.startsWith('--') ? name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : name;
}

/**
 * The reserved flag `name` sets: itself, or, for a program whose parser takes a long option's
 * abbreviation (Python's argparse: `--detect-url` is `--detect-urls`), the reserved one it begins.
 */
function reservedFlagMeant(
  name: string,
  reserved: Readonly<Record<string, ReservedFlag>>,
  abbreviations: boolean,
): string | undefined {
  if (Object.hasOwn(reserved, name)) return name;
  // Shorter beginnings (`--d`) are ambiguous among a program's options, which its parser refuses itself.
  if (!abbreviations || !name.startsWith('--') || name.length < 5) return undefined;
  return Object.keys(reserved).find((r) => r.startsWith('--') && r.startsWith(name));
}

/**
 * Takes out of the user's flags the values given to one of `names` (`--name value`, `--name=value`,
 * or `-nvalue` for a one-letter name) that `wanted` accepts; returns them and the other flags, in
 * order (pure). Baton folds such a value into its own (a `--settings` layer, the `notify` program)
 * rather than let the agent keep only one of the two.
 */
export function takeFlagValues(
  flags: readonly string[],
  names: readonly string[],
  wanted: (value: string) => boolean = () => true,
): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    const given = flagValue(flag, flags[i + 1], names);
    if (given && wanted(given.value)) {
      values.push(given.value);
      i += given.used - 1;
    } else rest.push(flag);
  }
  return { values, rest };
}

/** The value `flag` (and the argument after it) gives to one of `names`, and how many arguments it used. */
function flagValue(
  flag: string,
  next: string | undefined,
  names: readonly string[],
): { value: string; used: number } | undefined {
  for (const name of names) {
    if (flag === name) return next === undefined ? undefined : { value: next, used: 2 };
    if (flag.startsWith(`${name}=`)) return { value: flag.slice(name.length + 1), used: 1 };
    const short = !name.startsWith('--') && name.length === 2;
    if (short && flag.startsWith(name)) return { value: flag.slice(2), used: 1 };
  }
  return undefined;
}

/**
 * The program to run: `agents.<name>.command` from the config, else the agent's usual name, found as
 * `baton agents` finds it (`resolveAgentProgram`): `path` to start, `shown` for the displayed command.
 */
export function programOf(
  task: Pick<AgentTask, 'override' | 'env' | 'config'>,
  defaultCommand: string,
): { path: string; shown: string } {
  const command = task.override?.command ?? defaultCommand;
  return resolveAgentProgram(command, task.env, task.override, task.config.root);
}

/**
 * The environment added for the agent: `PWD` set to the worktree, the config's `env`, then the
 * adapter's own variables on top. `PWD` matters: Baton inherits the caller's (the main checkout), and
 * some agents (OpenCode) take their working folder from `PWD` rather than from the real cwd, and would
 * then write into the main checkout. The adapter's own win: they point the agent at the run's home
 * (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`…), which the adapter built from the user's home as the config's
 * `env` names it (`agentEnv`); the config's home in their place would bypass Baton's hooks and be written.
 */
export function launchEnv(
  task: Pick<AgentTask, 'override' | 'worktree'>,
  own: Record<string, string>,
): Record<string, string> {
  return { PWD: task.worktree, ...(task.override?.env ?? {}), ...own };
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
  task: Pick<AgentTask, 'override' | 'worktree' | 'prompt' | 'taskFile' | 'env' | 'config'>,
  spec: {
    program: string;
    args: string[];
    own: Record<string, string>;
    shown?: Record<string, string>;
    copies?: readonly string[];
    settleMs?: number;
  },
): AgentLaunch {
  const program = programOf(task, spec.program);
  return {
    command: program.path,
    args: spec.args,
    env: launchEnv(task, spec.own),
    stdin: task.prompt,
    display: displayLaunch(program.shown, spec.args, {
      stdinFrom: task.taskFile,
      env: spec.shown ?? spec.own,
    }),
    ...(spec.settleMs !== undefined ? { settleMs: spec.settleMs } : {}),
    cleanup: removeFiles(spec.copies ?? []),
  };
}
