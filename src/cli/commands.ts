import type { Command } from 'commander';
import { registerAgents } from './agents.js';
import type { CliContext } from './context.js';
import { registerDashboard } from './dashboard.js';
import { registerDemo } from './demo.js';
import { registerHook } from './hook.js';
import { registerInit } from './init.js';
import { registerIntegrate } from './integrate.js';
import { registerLint } from './lint.js';
import { registerNew } from './new.js';
import { registerPhase } from './phase.js';
import { registerPlan } from './plan.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerVerify } from './verify.js';

/** Runs another baton command in-process (for commands built from others, like `demo`). */
export type RunSubcommand = (argv: string[], ctx: CliContext) => Promise<number>;

/** Signature every `cli/<command>.ts` exports: attach the command to the program. */
export type RegisterCommand = (
  program: Command,
  ctx: CliContext,
  setExit: (code: number) => void,
  runSubcommand: RunSubcommand,
) => void;

/** The commands, in the order `baton --help` lists them (the method's order). */
const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerNew,
  registerLint,
  registerPlan,
  registerRun,
  registerHook,
  registerStatus,
  registerAgents,
  registerVerify,
  registerIntegrate,
  registerReport,
  registerPhase,
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
