import { logPathFor } from '../config.js';
import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import type { PhaseRecord } from '../log/fold.js';
import { foldLogCached } from '../log/fold-cache.js';
import { createLogSink } from '../log/sink.js';
import { formatMinutes, formatTime } from '../metrics/format.js';
import { normalPhaseName, PHASE_NAME } from '../metrics/phase-name.js';
import { stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';

function checkName(raw: string): string {
  const name = normalPhaseName(raw);
  if (!PHASE_NAME.test(name)) {
    throw new UserError(
      'phase/bad-name',
      `invalid phase name "${raw}": expected letters, digits, dots, dashes or underscores, e.g. specification`,
      { exitCode: 2 },
    );
  }
  return name;
}

/** The main checkout's log, and the phases still open in it (from any worktree of the repository). */
async function readPhases(
  ctx: CliContext,
): Promise<{ logPath: string; all: PhaseRecord[]; open: PhaseRecord[] }> {
  const logPath = logPathFor(await findMainWorktree(ctx.cwd));
  // Phases span runs, so the whole fold is needed, from the log itself (the status snapshot decides nothing).
  const all = foldLogCached(logPath, 'decide').state.phases;
  const open = all.filter((p) => p.started_at !== undefined && p.ended_at === undefined);
  return { logPath, all, open };
}

function describeOpen(open: readonly PhaseRecord[]): string {
  return open.length === 0
    ? 'No phase is open.'
    : `Open: ${open.map((p) => `${p.name} (since ${formatTime(p.started_at)})`).join(', ')}.`;
}

/** `baton phase start|end <name>`: records a phase of the method in the log, for the report's worksheet. */
export const registerPhase: RegisterCommand = (program, ctx) => {
  const phase = program
    .command('phase')
    .summary('record the start or end of a phase (specification, planning…) for the report')
    .description(
      'Record when a phase of the work starts and ends (specification, planning, implementation, integration, ' +
        'or any name), for the worksheet of `baton report`. `baton run` and `baton integrate` record ' +
        'implementation and integration themselves.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  baton phase start specification\n  baton phase end specification\n\n' +
        'Sequential estimates for the worksheet come from the config: { "estimates": { "specification": 60 } }.',
    );

  phase
    .command('start')
    .description('record that a phase starts now')
    .argument('<name>', 'phase name, e.g. specification or planning')
    .option('--json', 'print the recorded event as JSON')
    .action(async (raw: string, flags: { json?: boolean }) => {
      const name = checkName(raw);
      const { logPath, open } = await readPhases(ctx);
      const already = open.find((p) => p.name === name);
      if (already) {
        throw new UserError(
          'phase/already-started',
          `phase ${name} is already open (started ${formatTime(already.started_at)})`,
          { hint: `End it first with \`baton phase end ${name}\`.` },
        );
      }
      const event = createLogSink({ logPath, clock: ctx.clock }).emit({ type: 'phase.started', phase: name });
      ctx.stdout.write(
        flags.json ? `${stringifyJson(event)}\n` : `phase ${name} started at ${formatTime(event.ts)}\n`,
      );
    });

  phase
    .command('end')
    .description('record that a phase ends now')
    .argument('<name>', 'the name given to `baton phase start`')
    .option('--json', 'print the recorded event as JSON')
    .action(async (raw: string, flags: { json?: boolean }) => {
      const name = checkName(raw);
      const { logPath, all, open } = await readPhases(ctx);
      const started = open.filter((p) => p.name === name).at(-1);
      if (!started) {
        const closed = all.filter((p) => p.name === name && p.ended_at !== undefined).at(-1);
        const what = closed
          ? `phase ${name} is not open: it already ended at ${formatTime(closed.ended_at)}`
          : `phase ${name} was never started, so it cannot end`;
        throw new UserError('phase/not-started', what, {
          hint: `Start it with \`baton phase start ${name}\`. ${describeOpen(open)}`,
        });
      }
      const event = createLogSink({ logPath, clock: ctx.clock }).emit({ type: 'phase.ended', phase: name });
      const took = (Date.parse(event.ts) - Date.parse(started.started_at ?? event.ts)) / 60_000;
      ctx.stdout.write(
        flags.json
          ? `${stringifyJson(event)}\n`
          : `phase ${name} ended at ${formatTime(event.ts)}: ${formatMinutes(took)}\n`,
      );
    });
};
