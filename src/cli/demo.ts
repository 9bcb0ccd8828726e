import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { logPathFor } from '../config.js';
import { lastRunWindow, recordComparison } from '../demo/compare.js';
import { commitContracts, DEMO_SPEC, scaffoldDemo } from '../demo/scaffold.js';
import { UserError } from '../errors.js';
import { git } from '../git/git.js';
import { readLog } from '../log/read.js';
import { formatDuration, palette } from '../terminal/style.js';
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
interface DemoSteps {
  ctx: CliContext;
  parent: string;
  repo: string;
  runSubcommand: RunSubcommand;
  say: (title: string) => void;
  step: (title: string, argv: string[]) => Promise<number>;
}

const quiet = (ctx: CliContext): CliContext => ({ ...ctx, stdout: { write: () => {}, isTTY: false } });

/**
 * Runs the same agents one at a time (`-j 1`) in a clone, records that run in the parallel run's log
 * (so every output measures the headline against it) and prints the headline. Returns 1 if it failed.
 */
async function compareSequential(a: DemoSteps): Promise<number> {
  const { ctx, parent, repo } = a;
  const seqRepo = join(parent, 'assignment-grader-sequential');
  a.say('4b. the same agents one at a time (-j 1), in a clone, to measure the speedup');
  await git(parent, ['clone', '-q', repo, seqRepo]);
  const code = await a.runSubcommand(['run', '-j', '1'], quiet({ ...ctx, cwd: seqRepo }));
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
    .description(
      'run the whole method on a built-in example with no API key: a fresh repo with the Assignment Grader\n' +
        '(Upload, Grade, Feedback), decompose its spec into contracts, lint, plan, parallel agents, checks,\n' +
        'integration with tests, report',
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
  const parent = flags.dir
    ? resolve(ctx.cwd, flags.dir)
    : realpathSync(mkdtempSync(join(tmpdir(), 'baton-demo-')));
  const repo = join(parent, 'assignment-grader');
  const say = (title: string) => ctx.stdout.write(`\n${p.bold(`== ${title}`)}\n`);
  const step = async (title: string, argv: string[]) => {
    say(`${title}: baton ${argv.join(' ')}`);
    return runSubcommand(argv, { ...ctx, cwd: repo });
  };
  const started = Date.now();
  await scaffoldDemo(repo, seconds);
  ctx.stdout.write(
    `Created ${repo}: the Assignment Grader skeleton and its spec, ${DEMO_SPEC} (git repository, one commit).\n`,
  );
  const failed = await runDemoSteps({ ctx, parent, repo, runSubcommand, say, step }, Boolean(flags.compare));
  if (failed === undefined) {
    ctx.stdout.write(`${p.red('decompose wrote no clean contracts; the demo stops here')}\n`);
    setExit(1);
    return;
  }
  say('Where things are');
  const report = await loadReport({ ...ctx, cwd: repo });
  const html = htmlReportPath(repo);
  ctx.stdout.write(
    [
      `repository:   ${repo}   (main now holds the integrated grader: cd there and run \`npm test\` or \`npm start\`)`,
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

function parseAgentSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new UserError('demo/bad-seconds', `--agent-seconds must be a number ≥ 0, got "${value}"`, {
      exitCode: 2,
    });
  }
  return seconds;
}

const htmlReportPath = (repo: string): string => join(repo, '.baton', 'report.html');

/**
 * The method's steps in the demo repository, in order: how many failed, or undefined when decompose
 * wrote no clean contracts (then nothing after it can run).
 */
async function runDemoSteps(d: DemoSteps, compare: boolean): Promise<number | undefined> {
  const { ctx, repo, runSubcommand, step } = d;
  let failed = 0;
  const inRepo = quiet({ ...ctx, cwd: repo });
  await runSubcommand(['phase', 'start', 'planning'], inRepo);
  const decomposed = await step('1. decompose the spec into contracts (the scripted agent writes them)', [
    'decompose',
    DEMO_SPEC,
  ]);
  if (decomposed !== 0) return undefined;
  await commitContracts(repo);
  failed += (await step('2. lint the contracts', ['lint'])) === 0 ? 0 : 1;
  failed += (await step('3. plan', ['plan'])) === 0 ? 0 : 1;
  await runSubcommand(['phase', 'end', 'planning'], inRepo);
  failed += (await step('4. run three agents in parallel, checks after each', ['run'])) === 0 ? 0 : 1;
  if (compare) failed += await compareSequential(d);
  const integrateCode = await step('5. integrate in dependency order, tests after each merge', [
    'integrate',
    '--into',
    'main',
  ]);
  failed += integrateCode === 0 ? 0 : 1;
  await step('6. report', ['report', '--format', 'md']);
  await runSubcommand(['report', '--format', 'html', '--out', htmlReportPath(repo)], inRepo);
  return failed;
}
