import { join } from 'node:path';
import { Option } from 'commander';
import { resolveAdapter } from '../agents/registry.js';
import { parseAttemptsFlag } from '../attempts/plan.js';
import type { AttemptsSpec, SelectPolicy } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { notifyNeedsInput } from '../interactive/notify.js';
import { lockForCommand } from '../lock/baton-lock.js';
import type { BatonEvent } from '../log/events.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import { loadProject, plannedCriteriaByFeature, selectFeatures } from '../project.js';
import { queuedResumeFeatures } from '../queue/resume.js';
import { queueSetting } from '../queue/setting.js';
import type { CollisionPolicy, startRadar } from '../radar/radar.js';
import { createRunControl, type RunControl } from '../runner/control.js';
import { resumedRunFeatures } from '../runner/resume.js';
import { runAgainFlags } from '../runner/resume-command.js';
import { runFeatures, type Verifier } from '../runner/run.js';
import { palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { maxTimerUnits, overflowsTimer } from '../timer-span.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { abortOnInterrupt } from './interrupt.js';
import { readJobsFlag } from './jobs-flag.js';
import { createProgressRenderer, type ProgressRenderer } from './progress.js';
import { leaveOutDelivered, refuseFlagsOfNoRun } from './run-delivered.js';
import { interactiveConfig, readAutoFinishFlag, resumedInteractive } from './run-interactive.js';
import { assertQueueable } from './run-queue-refusals.js';
import { nothingToRunJson, reportRunSummary } from './run-summary.js';

export interface RunFlags {
  jobs?: string;
  agent?: string;
  waitForDeps?: boolean;
  base?: string;
  verify: boolean;
  resume?: boolean;
  restart?: string[];
  dryRun?: boolean;
  json?: boolean;
  onCollision?: string;
  radarInterval?: string;
  queue?: string;
  hub?: string;
  interactive?: boolean;
  autoFinish?: string;
  attempts?: string;
  select?: SelectPolicy;
}

/**
 * `--attempts` read, or a usage error (exit 2) saying what was expected; the agents it names must be
 * ones Baton knows (`resolveAdapter`'s refusal, as when they start).
 */
function readAttemptsFlag(text: string | undefined): AttemptsSpec | undefined {
  if (text === undefined) return undefined;
  const parsed = parseAttemptsFlag(text);
  if (!parsed.ok) throw new UserError('run/bad-attempts', parsed.message, { exitCode: 2 });
  if (Array.isArray(parsed.value)) for (const name of parsed.value) resolveAdapter(name);
  return parsed.value;
}

/** What `baton run --help` adds after the options: the agent's environment, Ctrl-C, checks and best-of-N. */
const RUN_HELP_AFTER =
  '\nEach agent gets BATON_FEATURE_ID, BATON_RUN_ID, BATON_TASK_FILE, BATON_LOG, BATON_WORKTREE,\n' +
  'PORT and BATON_PORT_BASE (a block of ten ports of its own); a best-of-N attempt also BATON_ATTEMPT.\n' +
  'Ctrl-C stops every agent (SIGTERM; SIGKILL after 3 s, or at once on a second Ctrl-C) and keeps\n' +
  'every worktree and commit; no agent starts after it. Each check is printed as it finishes; a feature with `owns` is also\n' +
  'checked for changes outside them (the `owns` check; `owns_policy: warn` in the contract only warns).\n' +
  'Best-of-N (--attempts, or attempts: in a contract or the config): each attempt gets its own worktree,\n' +
  'branch baton/<id>.a<n>, ports, agent and checks, and counts as one of -j. The winner is chosen in\n' +
  'this order: all criteria pass > more pass > better measured values (lower error rate, then p95,\n' +
  'p99, p50; 10 % or more) > fewer files outside owns > fewer lines changed > lower cost > earlier finish\n' +
  '> lower attempt number; baton/<id> then points at its commit. --select first-passing stops the\n' +
  'others once one passes everything. --resume keeps attempts that ended; `baton pick <id> <n>`\n' +
  'overrides; `baton clean` removes the attempts. See docs/best-of-n.md.\n' +
  'Exit code: 0 when every feature is complete, 1 otherwise.';

/** `baton run`: a worktree and an agent per feature, in parallel, with hooks, checks and one log. */
export const registerRun: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('run')
    .description(
      'create a worktree and branch per feature and run its agent, in parallel; checks run after each agent',
    )
    .argument(
      '[ids...]',
      'features to run (default: all, less those whose work the base already holds: complete in the log on a commit the base has)',
    )
    .option(
      '-j, --jobs <n>',
      'how many agents at once (default: config concurrency, else all; each best-of-N attempt counts as one)',
    )
    .option('--agent <name>', 'agent for every feature: claude, codex, gemini, aider, opencode, demo')
    .option(
      '--wait-for-deps',
      'start a feature only when its dependencies are complete, on top of their branches (--resume keeps the mode of the run it continues)',
    )
    .option('--no-wait-for-deps', 'with --resume: start every feature at once (contract-first)')
    .option(
      '--base <ref>',
      "branch or commit to cut the feature branches from (default: config base, else HEAD); one of Baton's own baton/* branches is refused (run/bad-base), as clean refuses it",
    )
    .option(
      '--attempts <n|agents>',
      'best-of-N: run N attempts per feature (3), or one per agent (claude,codex); the checks pick the winner',
    )
    .addOption(
      new Option(
        '--select <rule>',
        'best-of-N: best (wait for every attempt) or first-passing (stop the others once one passes everything)',
      ).choices(['best', 'first-passing']),
    )
    .option(
      '--no-verify',
      'do not run acceptance checks after each agent (integrate then leaves the features out until `baton verify` checks them)',
    )
    .option(
      '--resume',
      'continue an interrupted run (given no ids, the features that run had), or rerun failed features on their branches: skip complete features, reuse worktrees and branches (each keeps the base it was cut from); the resume of an interactive run (it keeps the mode: no --interactive needed) re-attaches to agents still in their tmux windows',
    )
    .option(
      '--restart <id>',
      "with --resume: start this feature over from the current base, dropping the dead run's commits from its branch (their ids are printed and kept under refs/baton/restart-backup/); refused while its worktree holds uncommitted changes or untracked files (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--dry-run', 'print the command each agent would run, and create nothing')
    .option(
      '--interactive',
      'run each agent in its own tmux window with its full UI (see `baton attach`, `baton send`)',
    )
    .option('--no-interactive', "run headless whatever the config's `interactive` says (docs/interactive.md)")
    .option(
      '--auto-finish <s>',
      'with --interactive: seconds of quiet after the agent stops before Baton ends its session (default 0)',
    )
    .addOption(
      new Option(
        '--on-collision <policy>',
        'when two running features touch the same path: notify, or stop-later (stop the one that came second, keeping its work)',
      ).choices(['notify', 'stop-later']),
    )
    .option(
      '--radar-interval <s>',
      'seconds between collision radar scans; 0 turns the radar off (default 5)',
    )
    .option('--json', 'print only the summary on stdout, as JSON; the run is told on stderr')
    .option(
      '--queue <url>',
      'run the features as jobs on BullMQ/Redis for `baton worker`s (or config `queue:`, BATON_QUEUE); see docs/distributed.md',
    )
    .option(
      '--hub <git url>',
      'with --queue: the git remote every worker can reach, a path taken from here (or config `hub:`); refused without a queue (run/hub-without-queue)',
    )
    .addHelpText('after', RUN_HELP_AFTER)
    .action((ids: string[], flags: RunFlags) => runCommand(ctx, setExit, ids, flags));
};

/** `--radar-interval` (else the config's) read, or a usage error (exit 2). */
function readRadarSeconds(text: string | undefined, configured: number): number {
  const seconds = text !== undefined ? Number(text) : configured;
  if (!Number.isFinite(seconds) || seconds < 0 || overflowsTimer(seconds, 1000)) {
    throw new UserError(
      'run/bad-radar-interval',
      `--radar-interval must be a number of seconds from 0 to ${maxTimerUnits(1000)}, got "${text}"`,
      {
        exitCode: 2,
      },
    );
  }
  return seconds;
}

/** `--hub` given with no queue (no --queue, config `queue:` or BATON_QUEUE): a run here has no use for it. */
function hubWithoutQueue(): UserError {
  return new UserError(
    'run/hub-without-queue',
    '--hub works only with --queue: it is the git remote the workers of a queued run fetch from and push to, and a run here uses none',
    { hint: 'Add --queue <redis url> to run the features on workers, or leave out --hub.', exitCode: 2 },
  );
}

type RunProject = Awaited<ReturnType<typeof loadProject>>;

/** The action of `baton run`: reads the flags, then runs the features here, or as jobs on the queue. */
async function runCommand(
  ctx: CliContext,
  setExit: (code: number) => void,
  ids: string[],
  flags: RunFlags,
): Promise<void> {
  // With --json, stdout holds the summary alone: everything the run says before it goes to stderr.
  const talk: CliContext = flags.json ? { ...ctx, stdout: ctx.stderr } : ctx;
  const loaded = await loadProject(ctx.cwd);
  // The flags are read before anything is decided: a bad one is refused even when nothing would run.
  const concurrency = readJobsFlag('run', flags.jobs, undefined);
  const attempts = readAttemptsFlag(flags.attempts);
  const radarSeconds = readRadarSeconds(flags.radarInterval, loaded.config.radar_interval_s);
  readAutoFinishFlag(flags.autoFinish);
  if (flags.agent !== undefined) resolveAdapter(flags.agent);
  const queue = queueSetting(flags.queue, loaded.config, ctx.env);
  if (flags.hub !== undefined && queue === undefined) throw hubWithoutQueue();
  const queued = queue !== undefined && !flags.dryRun;
  // A resume goes on with its run: given no ids, it takes the run's features, not the plan's (queued, it
  // re-attaches to the run's jobs).
  const selected = !flags.resume
    ? selectFeatures(loaded.plan, ids)
    : queued
      ? queuedResumeFeatures(loaded.logPath, loaded.plan, ids)
      : resumedRunFeatures(loaded.logPath, loaded.plan, ids);
  // Named, a feature runs; unnamed, one whose work the base already holds is left out, and said so.
  const featureIds =
    flags.resume || ids.length > 0 ? selected : await leaveOutDelivered(talk, loaded, selected, flags.base);
  if (featureIds === undefined) {
    refuseFlagsOfNoRun(loaded, flags, attempts);
    // Every feature was left out (and said so on `talk`): --json still prints its summary on stdout.
    if (flags.json) ctx.stdout.write(`${stringifyJson(nothingToRunJson(selected), 2)}\n`);
    return;
  }
  if (queued) assertQueueable(flags, loaded, featureIds);
  const mode = resumedInteractive(loaded, featureIds, flags, queued)
    ? { ...flags, interactive: true }
    : flags;
  const project = { ...loaded, config: interactiveConfig(loaded, featureIds, mode, ctx.env) };
  const progress = await createProgressRenderer(talk.stdout, palette(ctx.color), featureIds, project.root, {
    criteria: plannedCriteriaByFeature(loaded.plan.features),
    integrationCriteria: plannedCriteriaByFeature(loaded.plan.features, 'integration'),
    trustWorkers: loaded.config.trust_workers,
  });
  // Queued or not, one Baton at a time: a queued run moves `baton/<id>` branches when it promotes,
  // which a local run's worktrees, `integrate` or `clean` must not have under them meanwhile.
  const lock = flags.dryRun
    ? undefined
    : lockForCommand(project.root, 'run', ctx.stderr, queued ? 'run --queue' : undefined);
  try {
    if (queue && queued) {
      // Loaded only here: without --queue nothing about Redis or BullMQ is imported.
      const { runQueuedCommand } = await import('./run-queued.js');
      setExit(await runQueuedCommand({ ctx, project, featureIds, flags, queue, progress }));
      return;
    }
    await runHere(ctx, setExit, project, featureIds, flags, {
      concurrency,
      attempts,
      radarSeconds,
      progress,
    });
  } finally {
    lock?.release();
  }
}

/** What `runCommand` read from the flags for a run on this machine. */
interface LocalRunInputs {
  concurrency: number | undefined;
  attempts: AttemptsSpec | undefined;
  radarSeconds: number;
  progress: ProgressRenderer;
}

/** Runs the features on this machine (or prints what it would run, with --dry-run), under the caller's lock. */
async function runHere(
  ctx: CliContext,
  setExit: (code: number) => void,
  project: RunProject,
  featureIds: readonly string[],
  flags: RunFlags,
  { concurrency, attempts, radarSeconds, progress }: LocalRunInputs,
): Promise<void> {
  // One sink for the whole run: the log writer, with the live progress and the radar subscribed to it.
  const sink = createLogSink({ logPath: project.logPath, clock: ctx.clock });
  const unsubscribeProgress = sink.subscribe((e) => progress.onEvent(e));
  const control = createRunControl();
  const radar =
    radarSeconds > 0 && !flags.dryRun
      ? await startRunRadar(project, flags, sink, control, radarSeconds)
      : undefined;
  // The signal's name is the abort reason, so a feature says what stopped it. The notice goes through the
  // live table, which is taken off the screen and redrawn under it.
  const abort = abortOnInterrupt(
    ctx,
    'stopping every agent (their worktrees and commits are kept)…',
    (write) => progress.interject(write),
  );
  try {
    const summary = await runFeatures({
      root: project.root,
      config: project.config,
      plan: project.plan,
      logPath: project.logPath,
      sink,
      featureIds,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(flags.agent ? { agent: flags.agent } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
      ...(flags.select ? { select: flags.select } : {}),
      ...(flags.waitForDeps !== undefined ? { waitForDeps: flags.waitForDeps } : {}),
      ...(flags.base ? { base: flags.base } : {}),
      resume: Boolean(flags.resume),
      ...(flags.restart ? { restart: flags.restart } : {}),
      ...(flags.verify ? { verifier: await verifierFor(ctx, project, progress) } : {}),
      dryRun: Boolean(flags.dryRun),
      clock: ctx.clock,
      env: ctx.env,
      batonCommand: [process.execPath, ctx.batonBin],
      signal: abort.signal,
      control,
      onAgentEvent: (e) => {
        progress.onEvent(e);
        callOnNeedsInput(ctx, project, e);
      },
      onWarning: (message) =>
        progress.interject(() => ctx.stderr.write(`warning: ${escapeControl(message)}\n`)),
      onDryRun: (id, launch, worktree) => ctx.stdout.write(`${id}: in ${worktree}\n  ${launch.display}\n`),
    });
    progress.close();
    if (flags.dryRun) {
      ctx.stdout.write('(dry run: nothing was created; RUN_ID stands for the id a real run gets)\n');
      return;
    }
    setExit(reportRunSummary(ctx, summary, Boolean(flags.json), undefined, runAgainFlags(flags)));
  } finally {
    // A scan under way ends before the run returns: none of its git runs after the run.
    await radar?.stop();
    unsubscribeProgress();
    abort.release();
  }
}

/**
 * The collision radar over the running features, on the run's sink; it stops the later one when asked to.
 * Loaded only when on, like the checks below: a run without them imports neither.
 */
async function startRunRadar(
  project: RunProject,
  flags: RunFlags,
  sink: EventSink,
  control: RunControl,
  seconds: number,
): Promise<ReturnType<typeof startRadar>> {
  const { startRadar } = await import('../radar/radar.js');
  return startRadar({
    root: project.root,
    sink,
    contracts: project.plan.byId,
    intervalMs: seconds * 1000,
    scratchDir: join(project.root, '.baton', 'radar'),
    policy: (flags.onCollision ?? project.config.on_collision) as CollisionPolicy,
    stopFeature: (id, reason) => control.stop(id, reason),
  });
}

/** The checks run after each agent, in its worktree. */
async function verifierFor(
  ctx: CliContext,
  project: RunProject,
  progress: ProgressRenderer,
): Promise<Verifier> {
  const { makeWorktreeVerifier } = await import('../checks/verify.js');
  return makeWorktreeVerifier({
    config: project.config,
    logPath: project.logPath,
    clock: ctx.clock,
    env: ctx.env,
    onWarning: (message) =>
      progress.interject(() => ctx.stderr.write(`warning: ${escapeControl(message)}\n`)),
  });
}

/** The conductor may be looking elsewhere: a bell or a desktop notification when an agent starts waiting for them. */
function callOnNeedsInput(ctx: CliContext, project: RunProject, e: BatonEvent): void {
  if (e.type !== 'hook' || e.status !== 'needs-input') return;
  if (project.config.interactive?.bell) ctx.stderr.write('\x07');
  if (project.config.interactive?.notify) notifyNeedsInput(ctx.env, e.feature_id, e.detail);
}
