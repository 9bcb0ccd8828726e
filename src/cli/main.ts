import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { closestName } from '../contracts/suggest.js';
import { formatDiagnostic, formatUserError, UserError } from '../errors.js';
import { runCommandEndTasks } from '../process/at-command-end.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { ClosedOutput } from './closed-output.js';
import { loadCommands, type RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { refuseEmptyOptionValues } from './empty-flags.js';

/** Builds the `baton` program bound to a context, with the commands given. */
export function createProgram(
  ctx: CliContext,
  setExit: (code: number) => void,
  commands: readonly RegisterCommand[],
): Command {
  const program = new Command('baton');
  program
    .description(
      'Conduct many AI coding agents in parallel on one codebase: one contract, one worktree and one agent per feature,\n' +
        'completion hooks into one log, acceptance checks, integration in dependency order, and the metrics that matter.',
    )
    .version(PACKAGE_VERSION, '-V, --version')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      // Commander echoes the arguments it refuses: they may be anything.
      writeErr: (s) => ctx.stderr.write(escapeControl(s, { keepNewlines: true })),
      // A usage error is printed by reportError, as every error is: one line with its code, then the hint.
      outputError: () => {},
    })
    .exitOverride()
    // Every command's options at once, before its action: an empty value is refused, never taken as none.
    .hook('preAction', (_program, command) => refuseEmptyOptionValues(command));
  for (const register of commands) register(program, ctx, setExit, runCli);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Baton's version, read from its own package.json (one place to bump it). */
const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let exitCode = 0;
  const program = createProgram(
    ctx,
    (code) => {
      exitCode = Math.max(exitCode, code);
    },
    await loadCommands(argv),
  );
  try {
    refuseHelpForUnknown(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (caught) {
    const err = asUserError(caught);
    // A script that asked for JSON reads stdout: give it the error there too, not an empty output.
    if (err instanceof UserError && argv.includes('--json')) {
      const error = {
        code: err.code,
        message: err.message,
        hint: err.hint ?? null,
        diagnostics: err.diagnostics,
      };
      ctx.stdout.write(`${stringifyJson({ ok: false, error }, 2)}\n`);
    }
    return reportError(err, ctx);
  } finally {
    await runCommandEndTasks();
  }
}

/**
 * `baton help <name>` for a name that is no command: refused as `baton <name>` is, where Commander
 * would print the whole usage as if asked for it.
 */
function refuseHelpForUnknown(program: Command, argv: readonly string[]): void {
  const name = argv[0] === 'help' ? argv[1] : undefined;
  if (name === undefined || name.startsWith('-')) return;
  const names = ['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])];
  if (names.includes(name)) return;
  const near = closestName(name, names);
  throw new UserError(
    'usage/unknown-command',
    `unknown command '${escapeControl(name)}'${near ? ` (did you mean ${near}?)` : ''}`,
    { hint: 'Run `baton --help` for the commands.', exitCode: 2 },
  );
}

/** Prints an error the way a user should see it and returns the exit code. */
export function reportError(caught: unknown, ctx: CliContext): number {
  const err = asUserError(caught);
  // What is left of Commander's exits is help or the version: asked for (`--help`, `--version`: 0), or
  // shown because no command was named (`baton` alone: the usage on stderr, 1, like a usage error).
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof UserError) {
    // A message quotes ids, paths and lines it was given: printed with their control characters escaped.
    const safe = (text: string) => escapeControl(text, { keepNewlines: true });
    for (const d of err.diagnostics) ctx.stderr.write(`${safe(formatDiagnostic(d))}\n`);
    ctx.stderr.write(`baton: ${safe(formatUserError(err))}\n`);
    if (err.hint) ctx.stderr.write(`hint: ${safe(err.hint)}\n`);
    return err.exitCode;
  }
  const message = escapeControl(err instanceof Error ? (err.stack ?? err.message) : String(err), {
    keepNewlines: true,
  });
  ctx.stderr.write(
    `baton: internal error: ${message}\nThis is a bug in Baton; please report it with the command you ran.\n`,
  );
  return 1;
}

/** Commander's exits that are not errors: help or the version, shown as asked. */
const SHOWN = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/**
 * Commander's refusal of the command line as a user error: `error: unknown option '--x'` becomes
 * `unknown option '--x'` with the code `usage/unknown-option`, exit code 2. Anything else is returned as is.
 */
function asUserError(err: unknown): unknown {
  if (!(err instanceof CommanderError) || SHOWN.has(err.code)) return err;
  const kind = err.code.replace(/^commander\./, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  // `baton send <id> -x` reads `-x` as an option: text that starts with a dash goes after `--`.
  const hint =
    kind === 'unknown-option'
      ? 'Run it with --help for its usage; an argument that starts with - goes after -- (baton send <id> -- -x).'
      : 'Run it with --help for its usage.';
  return new UserError(`usage/${kind}`, err.message.replace(/^error: /, ''), {
    hint,
    exitCode: 2,
  });
}

/** This process's working folder; a user error when it no longer exists (removed while Baton ran in it). */
function currentFolder(): string {
  try {
    return process.cwd();
  } catch {
    throw new UserError('cli/no-cwd', 'the current folder no longer exists (it was removed)', {
      hint: 'cd into the repository, then run the command again.',
    });
  }
}

/**
 * A context bound to this process's real streams, environment and signals; `output` says what becomes of
 * a stream whose reader has gone (muted for a command that keeps running, the process ended otherwise).
 */
export function processContext(output = new ClosedOutput(process.stdout, process.stderr)): CliContext {
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    // Asked when a command needs it: an agent's hook may run in a folder its agent removed, and
    // needs none when BATON_LOG and BATON_FEATURE_ID name the log and the feature.
    get cwd() {
      return currentFolder();
    },
    env: process.env,
    stdout: {
      write: (s) => output.write(process.stdout, s),
      isTTY: Boolean(process.stdout.isTTY),
      // Read on each use: the terminal can be resized while a live view is on screen.
      get columns() {
        return process.stdout.columns;
      },
      get rows() {
        return process.stdout.rows;
      },
    },
    stderr: { write: (s) => output.write(process.stderr, s), isTTY: Boolean(process.stderr.isTTY) },
    clock: () => new Date(),
    color,
    batonBin: realpathSync(fileURLToPath(new URL('../../bin/baton.js', import.meta.url))),
    // Read as a stream until EOF: readFileSync(0) gives EAGAIN on a pipe whose writer is still writing.
    readStdin: async () => (await import('./hook.js')).readPayloadStream(process.stdin),
    onInterrupt(handler) {
      // A SIGHUP is most often the terminal closing: what is left of it must be let go at exit.
      const onHangup = (signal: string) => {
        output.noteHangup();
        handler(signal);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      process.on('SIGHUP', onHangup);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
        process.off('SIGHUP', onHangup);
      };
    },
    keepRunningWithoutOutput: () => output.keepRunning(),
  };
}

/** Entry point of `bin/baton.js`: runs the CLI on this process and sets its exit code. */
export async function main(): Promise<void> {
  const ctx = processContext();
  try {
    process.exitCode = await runCli(process.argv.slice(2), ctx);
  } catch (err) {
    process.exitCode = reportError(err, ctx);
  }
}
