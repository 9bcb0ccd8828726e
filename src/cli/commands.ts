import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerDashboard } from './dashboard.js';
import { registerDemo } from './demo.js';
import { registerHook } from './hook.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

/** Runs another baton command in-process (for commands built from others, like `demo`). */
export type RunSubcommand = (argv: string[], ctx: CliContext) => Promise<number>;

/** Signature every `cli/<command>.ts` exports: attach the command to the program. */
export type RegisterCommand = (
  program: Command,
  ctx: CliContext,
  setExit: (code: number) => void,
  runSubcommand: RunSubcommand,
) => void;

/** The commands, in the order `baton --help` lists them. */
const COMMANDS: RegisterCommand[] = [
  registerRun,
  registerHook,
  registerStatus,
  registerDashboard,
  registerDemo,
];

/** Attaches every command to the program. */
export function registerCommands(
  program: Command,
  ctx: CliContext,
  setExit: (code: number) => void,
  runSubcommand: RunSubcommand,
): void {
  for (const register of COMMANDS) register(program, ctx, setExit, runSubcommand);
}
