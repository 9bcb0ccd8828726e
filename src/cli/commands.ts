import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerHook } from './hook.js';
import { registerInit } from './init.js';
import { registerLint } from './lint.js';
import { registerNew } from './new.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

/** Signature every `cli/<command>.ts` exports: attach the command to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext, setExit: (code: number) => void) => void;

/** The commands, in the order `baton --help` lists them. */
const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerNew,
  registerLint,
  registerPlan,
  registerRun,
  registerHook,
  registerStatus,
];

/** Attaches every command to the program. */
export function registerCommands(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  for (const register of COMMANDS) register(program, ctx, setExit);
}
