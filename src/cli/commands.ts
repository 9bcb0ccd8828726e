import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Runs another baton command in-process (for commands built from others, like `demo`). */
export type RunSubcommand = (argv: string[], ctx: CliContext) => Promise<number>;

/** Signature every `cli/<command>.ts` exports: attach the command to the program. */
export type RegisterCommand = (
  program: Command,
  ctx: CliContext,
  setExit: (code: number) => void,
  runSubcommand: RunSubcommand,
) => void;

/**
 * The commands, in the order `baton --help` lists them (the method's order), each loaded on demand:
 * a command's module pulls in what it needs (zod, yaml, hono…), and a hook that an agent calls
 * on every turn, or a quick `baton status`, should not pay for the others.
 */
export const COMMAND_LOADERS: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ['init', async () => (await import('./init.js')).registerInit],
  ['new', async () => (await import('./new.js')).registerNew],
  ['lint', async () => (await import('./lint.js')).registerLint],
  ['plan', async () => (await import('./plan.js')).registerPlan],
  ['couple', async () => (await import('./couple.js')).registerCouple],
  ['decompose', async () => (await import('./decompose.js')).registerDecompose],
  ['run', async () => (await import('./run.js')).registerRun],
  ['hook', async () => (await import('./hook.js')).registerHook],
  ['status', async () => (await import('./status.js')).registerStatus],
  ['attach', async () => (await import('./attach.js')).registerAttach],
  ['send', async () => (await import('./send.js')).registerSend],
  ['stop', async () => (await import('./stop.js')).registerStop],
  ['verify', async () => (await import('./verify.js')).registerVerify],
  ['pick', async () => (await import('./pick.js')).registerPick],
  ['integrate', async () => (await import('./integrate.js')).registerIntegrate],
  ['report', async () => (await import('./report.js')).registerReport],
  ['phase', async () => (await import('./phase.js')).registerPhase],
  ['dashboard', async () => (await import('./dashboard.js')).registerDashboard],
  ['agents', async () => (await import('./agents.js')).registerAgents],
  ['clean', async () => (await import('./clean.js')).registerClean],
  ['doctor', async () => (await import('./doctor.js')).registerDoctor],
  ['demo', async () => (await import('./demo.js')).registerDemo],
  ['worker', async () => (await import('./worker.js')).registerWorker],
  ['workers', async () => (await import('./workers.js')).registerWorkers],
];

/** The register functions needed for `argv`: just the named command's, or all of them (help, unknown names). */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const first = argv[0];
  if (first === '--version' || first === '-V') return [];
  const one = COMMAND_LOADERS.find(([name]) => name === first);
  if (one && !argv.includes('--help') && !argv.includes('-h')) return [await one[1]()];
  // The top-level help lists names and summaries only: no command module needs loading for it.
  if (argv.length === 1 && (first === '--help' || first === '-h')) {
    const { registerHelpIndex } = await import('./help-index.js');
    return [(program) => registerHelpIndex(program)];
  }
  return Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
}
