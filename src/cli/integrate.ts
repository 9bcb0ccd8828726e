import { join } from 'node:path';
import { Option } from 'commander';
import { verifyFeature } from '../checks/verify.js';
import { batonBaseRefusal } from '../clean/base.js';
import { UserError } from '../errors.js';
import { assertNotInProgress } from '../git/branch-in-progress.js';
import { resolveCommit } from '../git/git.js';
import { featureBranch, INTEGRATION_BRANCH } from '../git/refs.js';
import { agentResolver, assertResolversInstalled } from '../integrate/agent-resolver.js';
import { chooseForIntegration } from '../integrate/choose.js';
import { DEFAULT_TEST_TIMEOUT_S } from '../integrate/continue-command.js';
import { cutCommitsOf, cutOutsideRefusal, cutsOutsideBase } from '../integrate/cut-from.js';
import { assertIntoBranch, assertIntoHoldsBases, defaultBaseRef } from '../integrate/into.js';
import { assertIntoHoldsBase } from '../integrate/into-holds.js';
import { continueIntegration, startIntegration } from '../integrate/merge.js';
import { nothingToMerge } from '../integrate/nothing-to-merge.js';
import { nameOfBase, predictConflicts } from '../integrate/predict.js';
import { INCLUDABLE_STATUSES, notRunReason, parseInclude } from '../integrate/selection.js';
import {
  type CheckRunner,
  CONFLICT_POLICIES,
  type IntegrationResult,
  type IntegrationSettings,
} from '../integrate/types.js';
import { unresolvedBaseError } from '../integrate/unresolved-base.js';
import { lockForCommand } from '../lock/baton-lock.js';
import { findIntegrationRun } from '../log/last-run.js';
import { readLog } from '../log/read.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import { attemptTime } from '../metrics/integration.js';
import { loadProject, type Project, selectFeatures } from '../project.js';
import { stoppedBy } from '../runner/outcome.js';
import { integrationPortRoomRefusal } from '../runner/port-room.js';
import { palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { againCommand, checkFlags, commandFlags, type IntegrateFlags } from './integrate-flags.js';
import { INTEGRATE_HELP_AFTER } from './integrate-help.js';
import { integratePrinter, interruptedLine, renderPrediction, renderResult } from './integrate-render.js';
import { abortOnInterrupt, type InterruptAbort } from './interrupt.js';

/** `baton integrate`: predict conflicts, then merge the feature branches in dependency order. */
export const registerIntegrate: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('integrate')
    .description(
      'predict conflicts between feature branches, then merge the complete ones in dependency order on ' +
        'baton/integration, in a worktree of its own (your checkout is never touched), testing after each merge',
    )
    .argument('[ids...]', 'features to integrate (default: every feature with a branch baton/<id>)')
    .option('--predict-only', 'only predict: conflicting pairs, harmless overlaps, ownership violations')
    .option(
      '--test <cmd>',
      'test command run in the integration worktree after each merge (default: config test)',
    )
    .option(
      '--test-timeout <seconds>',
      'stop the test command after this long',
      String(DEFAULT_TEST_TIMEOUT_S),
    )
    .addOption(
      new Option(
        '--on-conflict <policy>',
        'stop (default): leave the merge for you to resolve; skip: leave the feature and its dependents out; agent: let the configured agent resolve it',
      ).choices(CONFLICT_POLICIES),
    )
    .option(
      '--include <statuses>',
      `also merge features of these statuses, comma-separated (${INCLUDABLE_STATUSES.join(', ')}); default: only complete`,
      (value: string, prev: string[] | undefined) => [...(prev ?? []), value],
    )
    .option(
      '--into <branch>',
      'fast-forward this branch (one of yours, never a baton/ branch) to the result only when every selected feature merged and every test and check passed, the criteria of the merged features run again on the result included (a --continue moves it when given --into again)',
    )
    .option(
      '--continue',
      "go on after resolving a conflict (and `git add`) in the integration worktree, after an interruption, or (with --into) to move a branch to a clean integration that moved none; the test command, policy and --into are this command line's (else the config's), never the log's; one that began with another test command than this one would run is refused unless --test names the one to run",
    )
    .option(
      '--fresh',
      'start over when baton/integration holds an earlier result (kept as a backup ref; the attempt is logged as discarded)',
    )
    .option(
      '--base <ref>',
      "where baton/integration starts (default: config base, else the --into branch, else the checkout HEAD); a default that lacks the commit the features were cut from is refused (integrate/base-lacks-cut), a base named here is taken as it is, but one of Baton's own baton/* branches is refused (integrate/bad-base), as clean refuses it",
    )
    .option('--json', 'print the prediction and the merge results as JSON')
    .addHelpText('after', INTEGRATE_HELP_AFTER)
    .action((ids: string[], flags: IntegrateFlags) => integrateAction(ctx, setExit, ids, flags));
};

/** `baton integrate`: checks the flags, takes the lock, and predicts, merges or goes on. */
async function integrateAction(
  ctx: CliContext,
  setExit: (code: number) => void,
  ids: string[],
  flags: IntegrateFlags,
): Promise<void> {
  const testTimeoutS = checkFlags(ids, flags);
  const include = parseInclude(flags.include ?? []);
  const project = await loadProject(ctx.cwd);
  if (flags.into !== undefined) await assertIntoBranch(project.root, flags.into);
  // Refused before anything is merged, and again at the move (a rebase begun while the tests ran).
  if (flags.into !== undefined && !flags.predictOnly) {
    await assertNotInProgress(project.root, flags.into, {
      code: 'integrate/into-in-progress',
      action: 'fast-forward',
      after: 'run this command again (nothing was merged)',
    });
  }
  // Released when the command ends (a CLI process exits then anyway; an in-process caller goes on).
  const lock = flags.predictOnly ? undefined : lockForCommand(project.root, 'integrate', ctx.stderr);
  // Ctrl-C stops the test, check or resolver running (whole process groups) and ends the integration
  // `interrupted`, recorded, the lock released. A prediction alone records nothing: Ctrl-C just ends it.
  const abort = flags.predictOnly ? undefined : abortOnInterrupt(ctx);
  try {
    const out = (s: string) => {
      if (!flags.json) ctx.stdout.write(`${s}\n`);
    };
    const p = palette(ctx.color);
    const printer = integratePrinter(p, out);
    const runId = findIntegrationRun(project.logPath, flags.continue === true);
    const sink = createLogSink({
      logPath: project.logPath,
      clock: ctx.clock,
      ...(runId ? { runId } : {}),
    });
    sink.subscribe(printer);
    const settings = integrationSettings({ project, ctx, flags, testTimeoutS, sink, runId, abort });
    const again = againCommand(commandFlags(ids, flags, include, testTimeoutS), flags);
    const done = await stopsOnInterrupt(abort, again, () =>
      flags.continue
        ? continueIntegration(settings).then((r) => ({ result: r, json: { integration: r } }))
        : integrateAnew({ ids, flags, include, testTimeoutS, project, ctx, settings, out, setExit }),
    );
    if (!done) return;
    // This attempt's time as `baton report` counts it: every invocation of it, read from the log.
    renderResult(
      done.result,
      p,
      out,
      attemptTime(readLog(project.logPath, undefined, { final: true }).events),
    );
    if (flags.json) ctx.stdout.write(`${stringifyJson(done.json, 2)}\n`);
    if (done.result.outcome === 'interrupted') ctx.stderr.write(interruptedLine(done.result));
    setExit(exitCodeOf(done.result));
  } finally {
    abort?.release();
    lock?.release();
  }
}

/**
 * Runs an invocation; Ctrl-C before its first merge (git, in Baton's process group, stops with it)
 * is said as such rather than as the error of whatever git call it cut short, with this command
 * line (`again`) to run again. Once integration began, an interruption is its outcome
 * (`interrupted`), recorded and printed with the result.
 */
async function stopsOnInterrupt(
  abort: InterruptAbort | undefined,
  again: string,
  invocation: () => Promise<Printed | undefined>,
): Promise<Printed | undefined> {
  const stopped = () => {
    const by = typeof abort?.signal.reason === 'string' ? abort.signal.reason : 'SIGINT';
    return new UserError(
      'integrate/interrupted',
      `the integration was interrupted (${stoppedBy(by)}) before it merged anything`,
      { hint: `Run \`${again}\` again when you are ready.` },
    );
  };
  let done: Printed | undefined;
  try {
    done = await invocation();
  } catch (err) {
    if (abort?.signal.aborted && !(err instanceof UserError)) throw stopped();
    throw err;
  }
  if (done === undefined && abort?.signal.aborted) throw stopped();
  return done;
}

interface AnewInput {
  ids: string[];
  flags: IntegrateFlags;
  include: ReturnType<typeof parseInclude>;
  testTimeoutS: number;
  project: Project;
  ctx: CliContext;
  settings: IntegrationSettings;
  out: (s: string) => void;
  setExit: (code: number) => void;
}

/** What an invocation hands the renderer: the result and the JSON document. */
interface Printed {
  result: IntegrationResult;
  json: unknown;
}

/** The ref integration starts from: `--base`, else `defaultBaseRef`'s. */
function baseRefOf(project: Project, flags: IntegrateFlags): string {
  return flags.base ?? defaultBaseRef(project.config.base, flags.into);
}

/** The commit integration starts from; a base that is none gets `unresolvedBaseError`'s words. */
async function baseCommit(project: Project, flags: IntegrateFlags): Promise<string> {
  const baseRef = baseRefOf(project, flags);
  const base = await resolveCommit(project.root, baseRef);
  if (base === undefined) throw await unresolvedBaseError(project.root, baseRef);
  const batonBase = await batonBaseRefusal(project.root, flags.base, project.config, 'integrate');
  if (batonBase) throw batonBase;
  return base;
}

/** `--predict-only`: the prediction's JSON, the features it would leave out, and the exit the merge would have. */
function printPredictOnly(
  a: AnewInput,
  selection: Awaited<ReturnType<typeof chooseForIntegration>>,
  prediction: Awaited<ReturnType<typeof predictConflicts>>,
): void {
  if (a.flags.json) {
    const doc = { prediction, not_run: selection.notRun, not_merged: selection.excluded };
    a.ctx.stdout.write(`${stringifyJson(doc, 2)}\n`);
  }
  for (const id of selection.notRun)
    a.out(`  not merged: ${id} (${notRunReason(id, selection.undecided?.[id])})`);
  for (const x of selection.excluded)
    a.out(escapeControl(`  not merged: ${x.feature_id} (${x.status}: ${x.reason})`));
  // As the merge would: 1 when it would conflict or leave a selected feature out (outcome partial).
  const conflicts = prediction.conflicts.length + prediction.base_conflicts.length;
  const leftOut = selection.notRun.length + selection.excluded.length;
  a.setExit(conflicts > 0 || leftOut > 0 ? 1 : 0);
}

/** Selects, predicts and merges: `baton integrate [ids…]` without `--continue`. */
async function integrateAnew(a: AnewInput): Promise<Printed | undefined> {
  const { project, flags, ctx, out } = a;
  const p = palette(ctx.color);
  const base = await baseCommit(project, flags);
  // The project's root, log, plan and config (its `trust_workers`).
  const selection = await chooseForIntegration({
    ...project,
    selected: selectFeatures(project.plan, a.ids),
    base,
    include: a.include,
  });
  if (selection.merge.length === 0) throw nothingToMerge(selection);
  const cuts = await cutsOutsideBase(project.root, base, selection.bases, selection.commits);
  // A base nobody named for this integration (HEAD, the config's) that lacks what the branches were
  // cut from is refused; with `--into`, `assertIntoHoldsBases` refuses it in the branch's words.
  if (cuts.length > 0 && flags.base === undefined && flags.into === undefined) {
    // The command it names is this one, onto the base it names.
    const onto = (base: string) =>
      againCommand({ ...commandFlags(a.ids, flags, a.include, a.testTimeoutS), base }, flags);
    throw cutOutsideRefusal(await nameOfBase(project.root, baseRefOf(project, flags)), cuts, onto);
  }

  const prediction = await predictConflicts({
    cwd: project.root,
    base,
    cuts: cutCommitsOf(cuts),
    baseRef: baseRefOf(project, flags),
    branches: selection.merge.map((id) => ({ feature_id: id, branch: featureBranch(id) })),
    contracts: project.plan.features,
    clock: ctx.clock,
  });
  renderPrediction(prediction, project.plan, p, out);
  // Ctrl-C during the prediction: nothing merged yet, nothing to record.
  if (a.settings.signal?.aborted) return undefined;
  if (flags.predictOnly) {
    printPredictOnly(a, selection, prediction);
    return undefined;
  }
  if (flags.into !== undefined) {
    const onto = againCommand(
      { ...commandFlags(a.ids, flags, a.include, a.testTimeoutS), base: flags.into },
      flags,
    );
    await assertIntoHoldsBase(project.root, flags.into, base, onto);
    await assertIntoHoldsBases(project.root, flags.into, selection.bases, selection.commits);
  }
  if (a.settings.onConflict === 'agent') {
    await assertResolversInstalled(project.plan, selection.merge, project.config, ctx.env);
  }
  out('');
  const result = await startIntegration({
    ...a.settings,
    features: selection.merge,
    notRun: selection.notRun,
    ...(selection.undecided ? { undecided: selection.undecided } : {}),
    excluded: selection.excluded,
    ...(selection.recheck ? { recheck: selection.recheck } : {}),
    include: a.include,
    included: selection.included,
    base,
    baseName: prediction.base_name,
    commits: selection.commits,
    bases: selection.bases,
    changed: prediction.changed,
    worktreePath: join(project.config.worktrees, 'integration'),
    fresh: Boolean(flags.fresh),
    ...(a.ids.length > 0 ? { named: a.ids } : {}),
    ...(flags.base !== undefined ? { baseRef: flags.base } : {}),
  });
  return { result, json: { prediction, integration: result } };
}

/** 0 only for a clean integration whose requested `--into` happened. */
function exitCodeOf(result: IntegrationResult): number {
  if (result.outcome !== 'clean') return 1;
  if (result.into && !result.into.moved) return 1;
  return 0;
}

/** What `integrationSettings` wires together. */
interface SettingsInput {
  project: Project;
  ctx: CliContext;
  flags: IntegrateFlags;
  testTimeoutS: number;
  sink: EventSink;
  runId: string | undefined;
  abort: InterruptAbort | undefined;
}

/** The settings every invocation shares: the sink, the test command, the resolver and the check runner. */
function integrationSettings(i: SettingsInput): IntegrationSettings {
  const { project, ctx, flags, sink, runId } = i;
  const runChecks: CheckRunner = ({ feature, cwd, port, on, signal, marks }) =>
    verifyFeature({
      contract: feature,
      cwd,
      on: on ?? 'integration',
      port,
      config: project.config,
      logPath: project.logPath,
      // Through the integration's sink: the printer subscribed to it shows each check as it finishes.
      sink,
      clock: ctx.clock,
      env: marks ? { ...ctx.env, ...marks } : ctx.env,
      ...(runId ? { runId } : {}),
      ...(signal ? { signal } : {}),
      onWarning: (message) => ctx.stderr.write(`warning: ${escapeControl(message)}\n`),
    });
  // `--continue` too: a command is never taken from the log, which any process can append to.
  const test = flags.test ?? project.config.test;
  // Its PORT must be one a server can listen on: refused before anything is merged.
  const noRoom =
    test && !flags.predictOnly ? integrationPortRoomRefusal(project.plan, project.config) : undefined;
  if (noRoom) throw noRoom;
  return {
    root: project.root,
    plan: project.plan,
    logPath: project.logPath,
    clock: ctx.clock,
    sink,
    env: ctx.env,
    ...(runId ? { runId } : {}),
    branch: INTEGRATION_BRANCH,
    ...(test ? { test } : {}),
    ...(test && flags.test === undefined ? { testFromConfig: true } : {}),
    testTimeoutMs: i.testTimeoutS * 1000,
    ...(flags.onConflict ? { onConflict: flags.onConflict } : {}),
    resolver: agentResolver({
      root: project.root,
      config: project.config,
      logPath: project.logPath,
      runId,
      env: ctx.env,
      batonCommand: [process.execPath, ctx.batonBin],
    }),
    runChecks,
    portBase: project.config.port_base,
    trust: { trustWorkers: project.config.trust_workers },
    ...(flags.into ? { into: flags.into } : {}),
    ...(i.abort ? { signal: i.abort.signal } : {}),
  };
}
