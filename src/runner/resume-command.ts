/**
 * The one `baton run …` Baton prints for the user to run next (pure). A resume takes the run's
 * features, its mode (`--wait-for-deps`), its concurrency and its best-of-N attempts from the log, but
 * its base and its agent from its command line only: a printed command that left out the `--base` or
 * `--agent` of the command it follows would cut the features not started yet (and those `--restart`
 * starts over) from another base, or run another agent. Every such hint builds its command here.
 */
import { printableArg } from '../agents/shell-words.js';
import type { AgentSpec } from '../contracts/schema.js';

/** What a printed `baton run` carries of the command it follows: `--base` and `--agent` as given. */
export interface RunAgainFlags {
  base?: string | undefined;
  agent?: string | undefined;
}

/** The flags of `opts` (a run's options) that a printed `baton run` names again; an agent given as an object has no flag. */
export function runAgainFlags(opts: {
  base?: string | undefined;
  agent?: AgentSpec | undefined;
}): RunAgainFlags {
  return { base: opts.base, agent: typeof opts.agent === 'string' ? opts.agent : undefined };
}

/** What else the command says: `--resume` (and `--wait-for-deps`), and the units `--restart` starts over. */
export interface RunCommandShape {
  resume?: boolean;
  waitForDeps?: boolean;
  restart?: readonly string[];
}

/**
 * `baton run [--resume [--wait-for-deps]] [ids…] [--base <ref>] [--agent <name>] [--restart <id>]…`,
 * each argument ready to paste.
 */
export function runCommand(
  ids: readonly string[],
  flags: RunAgainFlags = {},
  shape: RunCommandShape = {},
): string {
  const words = ['baton', 'run'];
  if (shape.resume) words.push('--resume');
  if (shape.resume && shape.waitForDeps) words.push('--wait-for-deps');
  words.push(...ids.map(printableArg));
  if (flags.base !== undefined) words.push('--base', printableArg(flags.base));
  if (flags.agent !== undefined) words.push('--agent', printableArg(flags.agent));
  for (const unit of shape.restart ?? []) words.push('--restart', printableArg(unit));
  return words.join(' ');
}

/** `baton run --resume [ids…] [--base <ref>] [--agent <name>] [--restart <id>]…` (`runCommand`). */
export function resumeRunCommand(
  ids: readonly string[],
  flags: RunAgainFlags = {},
  shape: Omit<RunCommandShape, 'resume'> = {},
): string {
  return runCommand(ids, flags, { ...shape, resume: true });
}
