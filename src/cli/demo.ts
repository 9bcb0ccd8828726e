import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { logPathFor } from '../config.js';
import { lastRunWindow, recordComparison } from '../demo/compare.js';
import {
  commitContracts,
  DEMO_SPEC,
  demoFolders,
  demoRepoIn,
  refuseUsedFolders,
  scaffoldDemo,
  sequentialRepoIn,
} from '../demo/scaffold.js';
import { UserError } from '../errors.js';
import { git } from '../git/git.js';
import { readLog } from '../log/read.js';
import { stoppedBy } from '../runner/outcome.js';
import { makeTempFolder } from '../temp-folder.js';
import { formatDuration, palette } from '../terminal/style.js';
import { MAX_TIMER_MS } from '../timer-span.js';
import type { RegisterCommand, RunSubcommand } from './commands.js';
import type { CliContext } from './context.js';
import { loadReport } from './report.js';

interface DemoFlags {
  dir?: string;
  agentSeconds: string;
  compare?: boolean;
  open?: boolean;
}

/** The demo repository and how to run a step in it, shared by the steps. */
export interface DemoSteps {
  ctx: CliContext;
  parent: string;
  repo: string;
  runSubcommand: RunSubcommand;
  say: (title: string) => void;
  step: (title: string, argv: string[]) => Promise<number>;
  /** The signal (Ctrl-C, SIGTERM, SIGHUP) that interrupted the demo, once one has. */
  interruptedBy: () => string | undefined;
}

/**
 * How the demo's steps ended: all of them ran (`failed` of them failed; `integrated` when main holds
 * the integrated grader), decompose wrote no clean contracts, or a signal stopped it during `step`.
 */
export type DemoOutcome =
  | { kind: 'ran'; failed: number; integrated: boolean }
  | { kind: 'no-contracts' }
  | { kind: 'interrupted'; step: string; signal: string };

const quiet = (ctx: CliContext): CliContext => ({ ...ctx, stdout: { write: () => {}, isTTY: false } });

/**
 * Runs the same agents one at a time (`-j 1`) in a clone, records that run in the parallel run's log
 * (so every output measures the headline against it) and prints the headline. Returns 1 if it failed.
 */
async function compareSequential(a: DemoSteps): Promise<number> {
  const { ctx, parent, repo } = a;
  const seqRepo = sequentialRepoIn(parent);
  a.say('4b. the same agents one at a time (-j 1), in a clone, to measure the speedup');
  await git(parent, ['clone', '-q', repo, seqRepo]);
  if (a.interruptedBy() !== undefined) return 0;
  const code = await a.runSubcommand(['run', '-j', '1'], quiet({ ...ctx, cwd: seqRepo }));
  // An interrupted -j 1 run measured nothing: it is not recorded as the comparison.
  if (a.interruptedBy() !== undefined) return code === 0 ? 0 : 1;
  const window = lastRunWindow(readLog(logPathFor(seqRepo)).events);
  if (window) recordComparison(logPathFor(repo), window);
  const report = await loadReport({ ...ctx, cwd: repo });
  ctx.stdout.write(`${palette(ctx.color).bold(report.headline.text)}\n`);
  return code === 0 ? 0 : 1;
}

function openInBrowser(ctx: CliContext, file: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  spawn(opener, [file], { detached: true, stdio: 'ignore' })
    .on('error', () => {
      ctx.stderr.write(`could not run ${opener}; open ${file} yourself\n`);
    })
    .unref();
}

/** `baton demo`: the method end to end on the capstone (the Assignment Grader), with no API key. */
export const registerDemo: RegisterCommand = (program, ctx, setExit, runSubcommand) => {
  program
    .command('demo')
    .summary(
      'run the whole method on a built-in example with no API key: a fresh repo with the Assignment Grader\n' +
        '(Upload, Grade, Feedback), decompose its spec into contracts, lint, plan, parallel agents, checks,\n' +
        'integration with tests, report',
    )
    .description(
      'Run the whole method on a built-in example with no API key: a fresh repo with the Assignment Grader ' +
        '(Upload, Grade, Feedback), decompose its spec into contracts, lint, plan, parallel agents, checks, ' +
        'integration with tests, report. Ctrl-C stops it at the step it is in (exit 130).',
    )
    .option('--dir <dir>', 'where to create the demo repository (default: a new temporary folder)')
    .option('--agent-seconds <s>', "the scripted agent's working time per feature", '8')
    .option(
      '--compare',
      'also run the same agents one at a time (-j 1) in a clone: the log records it (timeline: "sequential\n' +
        'run (-j 1)") and the headline speedup is measured against it, the same in every output',
    )
    .option('--open', 'open the HTML report in a browser at the end')
    .action((flags: DemoFlags) => demoAction(ctx, setExit, runSubcommand, flags));
};

async function demoAction(
  ctx: CliContext,
  setExit: (code: number) => void,
  runSubcommand: RunSubcommand,
  flags: DemoFlags,
): Promise<void> {
  const seconds = parseAgentSeconds(flags.agentSeconds);
  const p = palette(ctx.color);
  const parent = flags.dir ? resolve(ctx.cwd, flags.dir) : freshTempFolder('baton-demo-');
  // Every folder it will write, refused now if an earlier demo left something there, not half-way.
  refuseUsedFolders(demoFolders(parent, Boolean(flags.compare)));
  const repo = demoRepoIn(parent);
  const say = (title: string) => ctx.stdout.write(`\n${p.bold(`== ${title}`)}\n`);
  const started = Date.now();
  await scaffoldDemo(repo, seconds);
  ctx.stdout.write(
    `Created ${repo}: the Assignment Grader skeleton and its spec, ${DEMO_SPEC} (git repository, one commit).\n`,
  );
  // The step running at a Ctrl-C stops its own work (run and decompose stop their agents, integrate
  // records the interruption); the demo learns of it here and starts no further step.
  let interruptedBy: string | undefined;
  const release = ctx.onInterrupt((signal) => {
    interruptedBy ??= signal ?? 'SIGINT';
  });
  const step = async (title: string, argv: string[]) => {
    // A signal that came between steps (during a git command or a quiet one) starts nothing more.
    if (interruptedBy !== undefined) return 130;
    say(`${title}: baton ${argv.join(' ')}`);
    return runSubcommand(argv, { ...ctx, cwd: repo });
  };
  let outcome: DemoOutcome;
  try {
    outcome = await runDemoSteps(
      { ctx, parent, repo, runSubcommand, say, step, interruptedBy: () => interruptedBy },
      Boolean(flags.compare),
    );
  } finally {
    release();
  }
  if (outcome.kind === 'interrupted') {
    ctx.stderr.write(`baton: ${interruptedLine(outcome, repo)}\n`);
    // 130: stopped by Ctrl-C, as a shell reports it (and as `baton decompose` exits).
    setExit(130);
    return;
  }
  if (outcome.kind === 'no-contracts') {
    ctx.stdout.write(`${p.red('decompose wrote no clean contracts; the demo stops here')}\n`);
    setExit(1);
    return;
  }
  say('Where things are');
  const report = await loadReport({ ...ctx, cwd: repo });
  const html = htmlReportPath(repo);
  const { failed } = outcome;
  ctx.stdout.write(
    [
      `repository:   ${repo}   ${repositoryNote(outcome.integrated)}`,
      `log:          ${logPathFor(repo)}`,
      `HTML report:  ${html}`,
      `headline:     ${report.headline.text}`,
      `integration:  ${report.integration.verdict_text}`,
      `demo took ${formatDuration(Date.now() - started)}; ${failed === 0 ? p.green('every step passed') : p.red(`${failed} step(s) failed`)}`,
    ].join('\n'),
  );
  ctx.stdout.write('\n');
  if (flags.open) openInBrowser(ctx, html);
  setExit(failed === 0 ? 0 : 1);
}

/** What main holds at the end: the integrated grader only when integrate succeeded and moved it. */
function repositoryNote(integrated: boolean): string {
  return integrated
    ? '(main now holds the integrated grader: cd there and run `npm test` or `npm start`)'
    : '(integrate did not succeed, so main still holds the skeleton and the contracts; see step 5)';
}

/** Where a signal stopped the demo, and what is left of it. */
function interruptedLine(outcome: { step: string; signal: string }, repo: string): string {
  return (
    `demo ${stoppedBy(outcome.signal)} during step ${outcome.step}; no further step ran ` +
    `[demo/interrupted]\nhint: What it made is kept in ${repo}: \`baton status\` and \`baton report\` there show how far it got.`
  );
}

/** The most `--agent-seconds` can be: the scripted agent waits half of it at a time, with one timer. */
const MAX_AGENT_SECONDS = Math.floor((2 * MAX_TIMER_MS) / 1000);

function parseAgentSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_AGENT_SECONDS) {
    throw new UserError(
      'demo/bad-seconds',
      `--agent-seconds must be a number from 0 to ${MAX_AGENT_SECONDS} (a longer wait overflows Node's timers), got "${value}"`,
      { exitCode: 2 },
    );
  }
  return seconds;
}

const htmlReportPath = (repo: string): string => join(repo, '.baton', 'report.html');

/**
 * A new folder in the system's temporary folder (TMPDIR), its real path; one that cannot be made is
 * the one `env/tmpdir` refusal, its hint adding `--dir`.
 */
function freshTempFolder(prefix: string): string {
  return realpathSync(makeTempFolder(prefix, 'or pass --dir with a new folder'));
}

/**
 * The method's steps in the demo repository, in order, until one is interrupted or decompose writes
 * no clean contracts (then nothing after it can run).
 */
export async function runDemoSteps(d: DemoSteps, compare: boolean): Promise<DemoOutcome> {
  const { ctx, repo, runSubcommand, step } = d;
  const inRepo = quiet({ ...ctx, cwd: repo });
  await runSubcommand(['phase', 'start', 'planning'], inRepo);
  const planning = await planningSteps(d);
  // Closed however planning ended, so a stopped demo leaves no phase open in its log.
  await runSubcommand(['phase', 'end', 'planning'], inRepo);
  if (planning.kind !== 'ran') return planning;
  let failed = planning.failed;
  failed += (await step('4. run three agents in parallel, checks after each', ['run'])) === 0 ? 0 : 1;
  const afterRun = interruptedAt(d, '4 (run)');
  if (afterRun) return afterRun;
  if (compare) {
    failed += await compareSequential(d);
    const afterCompare = interruptedAt(d, '4b (the -j 1 comparison)');
    if (afterCompare) return afterCompare;
  }
  const integrateCode = await step('5. integrate in dependency order, tests after each merge', [
    'integrate',
    '--into',
    'main',
  ]);
  const afterIntegrate = interruptedAt(d, '5 (integrate)');
  if (afterIntegrate) return afterIntegrate;
  failed += integrateCode === 0 ? 0 : 1;
  await step('6. report', ['report', '--format', 'md']);
  await runSubcommand(['report', '--format', 'html', '--out', htmlReportPath(repo)], inRepo);
  return interruptedAt(d, '6 (report)') ?? { kind: 'ran', failed, integrated: integrateCode === 0 };
}

/** Steps 1 to 3 (decompose, lint, plan): how many failed, unless decompose failed or a signal came. */
async function planningSteps(d: DemoSteps): Promise<DemoOutcome> {
  const { repo, step } = d;
  const decomposed = await step('1. decompose the spec into contracts (the scripted agent writes them)', [
    'decompose',
    DEMO_SPEC,
  ]);
  // Checked first: an interrupted decompose wrote nothing, and that is not decompose's fault.
  const afterDecompose = interruptedAt(d, '1 (decompose)');
  if (afterDecompose) return afterDecompose;
  if (decomposed !== 0) return { kind: 'no-contracts' };
  await commitContracts(repo);
  // A signal during the commit is step 1's: lint, which it keeps from starting, is not blamed.
  const afterCommit = interruptedAt(d, '1 (decompose: committing the contracts)');
  if (afterCommit) return afterCommit;
  let failed = (await step('2. lint the contracts', ['lint'])) === 0 ? 0 : 1;
  const afterLint = interruptedAt(d, '2 (lint)');
  if (afterLint) return afterLint;
  failed += (await step('3. plan', ['plan'])) === 0 ? 0 : 1;
  return interruptedAt(d, '3 (plan)') ?? { kind: 'ran', failed, integrated: false };
}

/** The demo's outcome when a signal has come by the end of `step`, else undefined (go on). */
function interruptedAt(d: DemoSteps, step: string): DemoOutcome | undefined {
  const signal = d.interruptedBy();
  return signal === undefined ? undefined : { kind: 'interrupted', step, signal };
}
