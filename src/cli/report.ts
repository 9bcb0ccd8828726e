import type { Command } from 'commander';
import { loadConfig, logPathFor } from '../config.js';
import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import type { Plan } from '../graph/types.js';
import { findLiveRun, interruptionEvents, runLiveness } from '../guard/liveness.js';
import { describeLoadProblem } from '../load-problem.js';
import type { LogEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { emptyTally, type ProblemTally, skippedLogLines, tallyProblem } from '../log/problem-tally.js';
import { streamLog } from '../log/read.js';
import { computeReport } from '../metrics/report.js';
import { namesRun } from '../metrics/run-segmenter.js';
import { listRuns } from '../metrics/runs.js';
import type { Report } from '../metrics/types.js';
import { loadProblem, loadProject } from '../project.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { askedFormat } from './format-flags.js';
import { writeReportOut } from './report-out.js';

const FORMATS = { md: renderMarkdown, markdown: renderMarkdown, json: renderJson, html: renderHtml } as const;
type Format = keyof typeof FORMATS;

/** The project's root, plan and phase estimates; without loadable contracts, the root and config alone. */
async function loadInputs(ctx: CliContext): Promise<{
  root: string;
  plan?: Plan;
  estimates: Record<string, number>;
  trustWorkers: boolean;
  note?: string;
}> {
  try {
    const project = await loadProject(ctx.cwd, 'show');
    const { estimates, trust_workers: trustWorkers } = project.config;
    return { root: project.root, plan: project.plan, estimates, trustWorkers };
  } catch (err) {
    if (!(err instanceof UserError) || err.code.startsWith('git/')) throw err;
    // The report stands on the log; contracts only add estimates, edges and ownership.
    const root = await findMainWorktree(ctx.cwd);
    const config = loadConfig(root);
    // A config refused for one key still gives the phase estimates it wrote validly; trusting workers'
    // checks is a consent only a config that loads gives.
    const estimates = (config.ok ? config.value : config.usable)?.estimates ?? {};
    const problem = describeLoadProblem(loadProblem(err, config.ok));
    return {
      root,
      estimates,
      trustWorkers: config.ok && config.value.trust_workers,
      note: `${problem}: reporting from the log alone, contract estimates unknown`,
    };
  }
}

/**
 * The report of the repository at `ctx.cwd`, the same one `baton report` renders (used by `demo` so
 * the terminal prints the headline the report holds).
 */
export async function loadReport(ctx: CliContext, runId?: string): Promise<Report> {
  const { root, plan, estimates, trustWorkers } = await loadInputs(ctx);
  const { chunk, liveRunIds } = readRunLog(root);
  return computeReport({
    events: chunk.events,
    ...(plan ? { plan } : {}),
    estimates,
    liveRunIds,
    trustWorkers,
    ...(runId !== undefined ? { runId } : {}),
  });
}

/**
 * The log as the report reads it, with the liveness `baton status` applies: a dead run's unwritten
 * ends inferred (`interruptionEvents`), and the run whose orchestrator is alive (`findLiveRun`), which
 * is in progress rather than interrupted.
 */
function readRunLog(root: string): {
  chunk: { events: LogEvent[]; problems: ProblemTally };
  liveRunIds: string[];
} {
  const chunk = { events: [] as LogEvent[], problems: emptyTally() };
  // Problem lines are counted, the first few kept: a log of junk is not held line by line.
  streamLog(
    logPathFor(root),
    { offset: 0, line: 0 },
    { final: true },
    { event: (e) => chunk.events.push(e), problem: (p) => tallyProblem(chunk.problems, p) },
  );
  const state = foldEvents(chunk.events);
  const alive = runLiveness(root);
  const live = findLiveRun(state, alive);
  for (const e of interruptionEvents(state, alive)) chunk.events.push(e);
  return { chunk, liveRunIds: live ? [live.run_id] : [] };
}

/** Refuses a `--run` the log holds no run of, listing the runs it holds. */
function checkRunIn(events: Parameters<typeof listRuns>[0], runId: string, logPath: string): void {
  const runs = listRuns(events).filter((r) => r.run_id !== null);
  if (runs.some((r) => namesRun(r, runId))) return;
  throw new UserError('report/unknown-run', `no run ${runId} in ${logPath}`, {
    hint:
      runs.length > 0
        ? `Runs in the log: ${runs.map((r) => r.run_id).join(', ')}.`
        : 'The log holds no run.started event; leave out --run.',
  });
}

/** `baton report`: the worksheet, features, conflicts, integration ratio, Amdahl and diagnosis. */
/** The format asked for: `--json`, or `--format` (md, json, html); both naming different ones, or an unknown one, is a usage error. */
function chosenFormat(flags: { format: string; json?: boolean }, command: Command): Format {
  const format = askedFormat(flags, command);
  if (!(format in FORMATS)) {
    throw new UserError(
      'report/bad-format',
      `unknown format "${escapeControl(flags.format)}": expected md, json or html`,
      { exitCode: 2 },
    );
  }
  return format as Format;
}

export const registerReport: RegisterCommand = (program, ctx) => {
  program
    .command('report')
    .summary(
      'measure a run: time-tracking worksheet and speedup, conflicts, integration ratio, Amdahl, diagnosis',
    )
    .description(
      'Measure a run from .baton/log.jsonl: the time-tracking worksheet (sequential against parallel, speedup), ' +
        'each feature (agent, duration, exit, checks, files, conflicts, cost), merge conflicts against the ' +
        'N·(N−1)/2 integration points, integration ÷ execution time, the Amdahl bound, and a diagnosis. ' +
        'Numbers the log cannot support are printed as "unknown".',
    )
    .option(
      '--format <format>',
      'md (tables for a README), json (the same data) or html (one self-contained file)',
      'md',
    )
    .option('--json', 'same as --format json')
    .option(
      '--out <file>',
      'write the report to FILE (its missing folders made) and print its path; refused inside .git/, in a folder of .baton/ (a report straight ' +
        'in .baton/ is fine, e.g. .baton/report.html), for a directory (a path ending in / names one: name a file in it), for a device, ' +
        'FIFO or socket (even with --force), and for an existing file that is not a report Baton wrote (unless --force)',
    )
    .option('--force', 'with --out: replace an existing file even if it is not a report Baton wrote')
    .option(
      '--run <run_id>',
      'the run to report on (default: the latest); a run continued by `run --resume` is one run, named by either id',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  baton report\n  baton report --format html --out .baton/report.html\n  baton report --json --run 20260302-0900-ab12',
    )
    .action(
      async (
        flags: { format: string; json?: boolean; out?: string; run?: string; force?: boolean },
        command: Command,
      ) => {
        const format = chosenFormat(flags, command);
        const { root, plan, estimates, trustWorkers, note } = await loadInputs(ctx);
        if (note) ctx.stderr.write(`baton: ${escapeControl(note)}\n`);
        const logPath = logPathFor(root);
        const { chunk, liveRunIds } = readRunLog(root);
        for (const line of skippedLogLines(logPath, chunk.problems)) ctx.stderr.write(`${line}\n`);
        if (chunk.events.length === 0) {
          throw new UserError('report/empty-log', `nothing to report: ${logPath} holds no events`, {
            hint: 'Run `baton run` first, or record phases with `baton phase start <name>` and `baton phase end <name>`.',
          });
        }
        if (flags.run !== undefined) checkRunIn(chunk.events, flags.run, logPath);
        const report = computeReport({
          events: chunk.events,
          ...(plan ? { plan } : {}),
          estimates,
          liveRunIds,
          trustWorkers,
          ...(flags.run !== undefined ? { runId: flags.run } : {}),
        });
        const text = FORMATS[format](report);
        if (flags.out === undefined) {
          ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
          return;
        }
        const out = writeReportOut(root, ctx.cwd, flags.out, text, flags.force === true);
        ctx.stdout.write(`${escapeControl(out)}\n`);
      },
    );
};
