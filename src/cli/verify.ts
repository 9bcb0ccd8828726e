import { dirname, relative } from 'node:path';
import { Option } from 'commander';
import { advanceWinnerBranch } from '../attempts/advance.js';
import { refuseDeadRunWriters } from '../checks/dead-run-writers.js';
import { resolveVerifyTargets, type VerifyTarget } from '../checks/targets.js';
import { type CheckEvent, type CheckReport, verifyFeatures } from '../checks/verify.js';
import { alreadyInBaseWords, runBase } from '../delivered.js';
import { stopDeadVerifyChecks, verifyMarks } from '../guard/daemons.js';
import { rerunCommands } from '../integrate/continue-command.js';
import { lockForCommand } from '../lock/baton-lock.js';
import { uncommittedChecks } from '../log/check-reason.js';
import { featureAt } from '../log/fold.js';
import { foldLogCached } from '../log/fold-cache.js';
import { createLogSink } from '../log/sink.js';
import type { BatonState } from '../log/state.js';
import { DECIDED_BY_CHECKS, TERMINAL_STATUSES } from '../log/statuses.js';
import { loadProject, type Project, selectFeatures } from '../project.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { clipLine } from '../text/one-line.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { abortOnInterrupt } from './interrupt.js';
import { readJobsFlag } from './jobs-flag.js';

interface VerifyFlags {
  on: 'worktree' | 'integration';
  jobs?: string;
  json?: boolean;
}

/** The flags once read: `--jobs` a number. */
type VerifyOptions = Omit<VerifyFlags, 'jobs'> & { jobs: number };

/** Features verified at once on their own worktrees, unless `--jobs` says otherwise. */
const DEFAULT_JOBS = 4;

const OUTCOME_OF = {
  'check.passed': 'passed',
  'check.failed': 'failed',
  'check.unverifiable': 'unverifiable',
} as const;

/** The `--json` shape of one feature's verification (documented in docs/verify.md). */
function reportJson(r: CheckReport) {
  return {
    feature_id: r.feature_id,
    passed: r.passed,
    failed: r.failed,
    unverifiable: r.unverifiable,
    total: r.total,
    ...(r.interrupted ? { interrupted: true } : {}),
    checks: (r.events as CheckEvent[]).map((e) => ({
      criterion_id: e.criterion_id,
      text: e.text,
      kind: e.kind,
      on: e.on,
      outcome: OUTCOME_OF[e.type],
      message: e.message,
      measured: e.measured ?? null,
    })),
  };
}

/** Lines of a failed command's output shown under it; each is cut to this many characters. */
const SHOWN_OUTPUT_LINES = 10;
const SHOWN_OUTPUT_WIDTH = 200;

/**
 * The report of one feature. Criterion ids, texts, messages and output come from contracts, checks
 * and servers: untrusted, so their control characters are escaped, and an output line is clipped.
 */
function renderReport(r: CheckReport, t: VerifyTarget | undefined, p: Palette, root: string): string {
  const where = t ? ` ${p.dim(`(${relative(root, t.cwd) || '.'}, PORT ${t.port})`)}` : '';
  const lines = [`${p.bold(r.feature_id)}  checks ${r.passed}/${r.total}${where}`];
  if (r.total === 0) lines.push(p.dim('  no criteria to check here'));
  for (const e of r.events as CheckEvent[]) {
    const mark =
      e.type === 'check.passed' ? p.green('✓') : e.type === 'check.failed' ? p.red('✗') : p.yellow('?');
    lines.push(`  ${mark} ${escapeControl(e.criterion_id)}: ${escapeControl(e.text)}`);
    const message = escapeControl(e.message);
    lines.push(`      ${e.type === 'check.unverifiable' ? p.yellow(message) : message}`);
    if (e.type === 'check.failed' && e.kind === 'run' && e.measured?.output_tail) {
      const tail = e.measured.output_tail.split('\n').slice(-SHOWN_OUTPUT_LINES);
      for (const l of tail) lines.push(p.dim(`      │ ${escapeControl(clipLine(l, SHOWN_OUTPUT_WIDTH))}`));
    }
  }
  if (r.interrupted) lines.push(p.yellow(`  interrupted: ${r.total - r.events.length} criteria did not run`));
  return `${lines.join('\n')}\n\n`;
}

function warnUnverifiable(ctx: CliContext, reports: readonly CheckReport[], p: Palette): void {
  for (const r of reports) {
    for (const e of r.events as CheckEvent[]) {
      if (e.type !== 'check.unverifiable') continue;
      ctx.stderr.write(
        `${p.yellow('warning:')} ${r.feature_id}: criterion "${escapeControl(e.criterion_id)}" is unverifiable, so it is never counted as passed: ${stringifyJson(e.text)}\n` +
          `  hint: give it a \`run:\` command, an \`http:\` threshold or a \`files:\` check in the contract\n`,
      );
    }
  }
}

/**
 * A feature whose checks all passed but whose status a verify does not decide: the fold takes a
 * status from the checks only for a feature whose agent finished (`DECIDED_BY_CHECKS`); one that
 * failed, timed out, was interrupted, changed nothing or was stopped for a collision stays so, and
 * integrate leaves it out.
 * Said, with the ways on, so a passing verify is not taken for a feature made ready.
 */
function noteStatusStays(
  ctx: CliContext,
  before: BatonState,
  reports: readonly CheckReport[],
  p: Palette,
): void {
  for (const r of reports) {
    const status = featureAt(before, r.feature_id)?.status;
    if (r.failed > 0 || r.passed === 0 || r.interrupted) continue;
    if (!status || !TERMINAL_STATUSES.has(status) || DECIDED_BY_CHECKS.has(status)) continue;
    ctx.stderr.write(
      `${p.yellow('note:')} ${r.feature_id}: its checks pass, but it stays ${status}: a verify decides the status only of a feature whose agent finished (complete or failed-checks), and integrate leaves it out\n` +
        `  hint: ${rerunCommands([r.feature_id])} (its agent sees the branch as it is now); or merge it anyway: baton integrate --include ${status} (then --into moves no branch)\n`,
    );
  }
}

/**
 * A feature whose checks ran on changes not committed in its worktree checked no commit: integrate
 * leaves it out, by the rule it decides with (`uncommittedChecks`), read from the log as it now is.
 */
function warnUncommitted(
  ctx: CliContext,
  project: Project,
  reports: readonly CheckReport[],
  byId: ReadonlyMap<string, VerifyTarget>,
  p: Palette,
): void {
  const { state } = foldLogCached(project.logPath, 'decide');
  for (const r of reports) {
    const u = uncommittedChecks(featureAt(state, r.feature_id));
    if (u === undefined) continue;
    const t = byId.get(r.feature_id);
    const where = t ? ` (${relative(ctx.cwd, t.cwd) || '.'})` : '';
    ctx.stderr.write(
      `${p.yellow('warning:')} ${r.feature_id}: ${u.reason}${escapeControl(where)}, and integrate merges only committed work\n` +
        `  hint: ${u.hint}\n`,
    );
  }
}

/** `baton verify`: runs each feature's acceptance criteria and records one check event each. */
export const registerVerify: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('verify')
    .description(
      "run each feature's acceptance criteria (commands, HTTP latency, files) and record the results",
    )
    .argument(
      '[ids...]',
      "features to verify (default: every feature that has a worktree, and a queued run's branches, checked out here)",
    )
    .addOption(
      new Option(
        '--on <where>',
        'worktree: each feature in its own worktree; integration: the integrated branch',
      )
        .choices(['worktree', 'integration'])
        .default('worktree'),
    )
    .option('-j, --jobs <n>', `features verified at once (default ${DEFAULT_JOBS}; 1 with --on integration)`)
    .option(
      '--json',
      'print { features: [{ feature_id, passed, failed, unverifiable, total, checks }] } as JSON',
    )
    .addHelpText(
      'after',
      '\nCriteria with `after: integration` run only with --on integration, on the worktree of\n' +
        'baton/integration; the others run only on the feature worktrees. Each feature gets its own\n' +
        'PORT (a block of ten ports); a contract `serve:` command is started there for `http:` checks\n' +
        'and stopped afterwards. Results are appended to .baton/log.jsonl; each command and server output\n' +
        'is kept in .baton/checks/<feature>/. While another Baton runs (run, integrate or verify) verify\n' +
        "refuses (lock/busy): its worktrees are still being written; so too while a killed run's agent\n" +
        'still works in a worktree (verify/agent-still-running). A verify decides the status of a\n' +
        'feature whose agent finished (complete, failed-checks); one that failed, timed out, was\n' +
        'interrupted, stopped for a collision or ended empty keeps its status, and a note says so. Exit\n' +
        'code: 0 when every verifiable\n' +
        'criterion passed, 1 otherwise.',
    )
    .action((ids: string[], flags: VerifyFlags) => verifyAction(ctx, setExit, ids, flags));
};

async function verifyAction(
  ctx: CliContext,
  setExit: (code: number) => void,
  ids: string[],
  flags: VerifyFlags,
): Promise<void> {
  // Arguments first: a bad --jobs is a usage error before any feature is looked at or skipped.
  // Features on the integration branch share one checkout, so their commands take turns.
  const jobs = readJobsFlag('verify', flags.jobs, flags.on === 'integration' ? 1 : DEFAULT_JOBS);
  const project = await loadProject(ctx.cwd);
  const named = ids.length > 0 ? selectFeatures(project.plan, ids) : [];
  // A run's agents are still writing the worktrees, an integration the integration worktree: checks
  // wait for neither. Released when the command ends (a CLI process exits then anyway).
  const lock = lockForCommand(project.root, 'verify', ctx.stderr);
  try {
    // A verify killed outright left its lock, and maybe a check still writing in a worktree.
    if (lock.tookOver) await stopKilledVerifyChecks(ctx, project.logPath);
    await verifyLocked(ctx, setExit, project, named, { ...flags, jobs });
  } finally {
    lock.release();
  }
}

/** Stops the checks a killed `baton verify` of this repository left running (proven by their marks), saying so. */
async function stopKilledVerifyChecks(ctx: CliContext, logPath: string): Promise<void> {
  const stopped = await stopDeadVerifyChecks(logPath);
  if (stopped.length === 0) return;
  const some = stopped
    .slice(0, 3)
    .map((p) => `pid ${p.pid} (${escapeControl(p.command)})`)
    .join(', ');
  ctx.stderr.write(
    `baton: stopped ${stopped.length} process(es) a killed verify left running: ${some}${stopped.length > 3 ? ', …' : ''}\n`,
  );
}

/** `baton verify` once it holds the lock: resolves the targets, runs their checks, prints. */
async function verifyLocked(
  ctx: CliContext,
  setExit: (code: number) => void,
  project: Project,
  named: string[],
  flags: VerifyOptions,
): Promise<void> {
  // The whole fold (worktrees and the integration branch span runs), from the status snapshot.
  const { state } = foldLogCached(project.logPath, 'decide');
  const { targets, skipped, checkedOut } = await resolveVerifyTargets({
    root: project.root,
    config: project.config,
    plan: project.plan,
    ids: named,
    on: flags.on,
    state,
  });
  // The locks cannot say a run killed outright still has agents writing: their groups can.
  if (flags.on === 'worktree')
    refuseDeadRunWriters(
      project.root,
      state,
      targets.map((t) => t.contract.feature_id),
    );
  if (targets.length === 0 && skipped.length > 0 && skipped.every((s) => s.delivered)) {
    // Integrated, then cleaned: as `baton run` has nothing to run, this has nothing to verify.
    if (flags.json) ctx.stdout.write(`${stringifyJson({ on: flags.on, features: [] }, 2)}\n`);
    else {
      const where = alreadyInBaseWords(runBase(undefined, project.config), skipped.length);
      ctx.stdout.write(
        `nothing to verify: the work of every feature (${skipped.map((s) => s.feature_id).join(', ')}) is ${where}\n`,
      );
    }
    return;
  }
  const p = palette(ctx.color);
  for (const s of skipped) ctx.stderr.write(`${p.yellow('skipped')} ${s.feature_id}: ${s.reason}\n`);
  for (const c of checkedOut) {
    const where = escapeControl(relative(ctx.cwd, c.path) || '.');
    ctx.stderr.write(`checked out ${c.feature_id}'s branch (its work came from a worker) in ${where}\n`);
    for (const w of c.warnings) ctx.stderr.write(`warning: ${c.feature_id}: ${escapeControl(w)}\n`);
  }
  const byId = new Map(targets.map((t) => [t.contract.feature_id, t]));
  const { reports, aborted } = await runChecks(ctx, flags, targets, project, (r) => {
    if (!flags.json) ctx.stdout.write(renderReport(r, byId.get(r.feature_id), p, project.root));
  });
  const failed = reports.reduce((n, r) => n + r.failed, 0);
  const interrupted = aborted || reports.some((r) => r.interrupted);
  if (flags.on === 'worktree' && !aborted) await advanceWinners(ctx, project, state, reports, flags);
  if (flags.json) {
    ctx.stdout.write(`${stringifyJson({ on: flags.on, features: reports.map(reportJson) }, 2)}\n`);
  } else {
    const checksFolder = relative(ctx.cwd, `${dirname(project.logPath)}/checks`) || '.';
    ctx.stdout.write(renderSummary(reports, flags.on, checksFolder, p));
  }
  warnUnverifiable(ctx, reports, p);
  if (flags.on === 'worktree') {
    warnUncommitted(ctx, project, reports, byId, p);
    noteStatusStays(ctx, state, reports, p);
  }
  if (interrupted) ctx.stderr.write('baton: interrupted; the checks that finished are recorded\n');
  if (failed > 0 || interrupted) setExit(1);
}

/** Best-of-N features whose winner was fixed in its worktree: `baton/<id>` follows once the checks passed there. */
async function advanceWinners(
  ctx: CliContext,
  project: Project,
  state: BatonState,
  reports: readonly CheckReport[],
  flags: VerifyOptions,
): Promise<void> {
  for (const r of reports) {
    const note = await advanceWinnerBranch(project.root, state, r, project.config.worktrees);
    if (note) (flags.json ? ctx.stderr : ctx.stdout).write(`${escapeControl(note)}\n`);
  }
}

/** Runs the checks of every target, stopped by Ctrl-C: the reports, and whether it was stopped. */
async function runChecks(
  ctx: CliContext,
  flags: VerifyOptions,
  targets: VerifyTarget[],
  project: Project,
  onReport: (r: CheckReport) => void,
): Promise<{ reports: CheckReport[]; aborted: boolean }> {
  const abort = abortOnInterrupt(ctx, 'stopping the checks (servers and commands)…');
  try {
    const reports = await verifyFeatures(targets, {
      on: flags.on,
      config: project.config,
      logPath: project.logPath,
      sink: createLogSink({ logPath: project.logPath, clock: ctx.clock }),
      clock: ctx.clock,
      // Marked as this verify's, so a later one can stop what a killed one left (`stopDeadVerifyChecks`).
      env: { ...ctx.env, ...verifyMarks(project.logPath) },
      signal: abort.signal,
      concurrency: flags.jobs,
      onReport,
      onWarning: (message) => ctx.stderr.write(`warning: ${escapeControl(message)}\n`),
    });
    return { reports, aborted: abort.signal.aborted };
  } finally {
    abort.release();
  }
}

/** The last lines: the totals, and where the full output is when a check failed. */
function renderSummary(
  reports: readonly CheckReport[],
  on: VerifyFlags['on'],
  checksFolder: string,
  p: Palette,
): string {
  const failed = reports.reduce((n, r) => n + r.failed, 0);
  const passed = reports.reduce((n, r) => n + r.passed, 0);
  const unverifiable = reports.reduce((n, r) => n + r.unverifiable, 0);
  const n = reports.length;
  const summary = `verified ${n} feature${n === 1 ? '' : 's'} on ${on === 'integration' ? 'the integration branch' : 'their worktrees'}: ${passed} passed, ${failed} failed, ${unverifiable} unverifiable`;
  const lines = [failed > 0 ? p.red(summary) : summary];
  if (failed > 0) lines.push(`the full output of each check is in ${checksFolder}/<feature>/`);
  return `${lines.join('\n')}\n`;
}
