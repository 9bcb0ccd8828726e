import { Option } from 'commander';
import { makeWorktreeVerifier } from '../checks/verify.js';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { assertTmuxInstalled } from '../interactive/tmux.js';
import { loadProject, selectFeatures } from '../project.js';
import { runFeatures, type Verifier } from '../runner/run.js';
import type { RegisterCommand } from './commands.js';
import { createProgressRenderer } from './progress.js';
import { palette } from './style.js';

interface RunFlags {
  jobs?: string;
  agent?: string;
  waitForDeps?: boolean;
  base?: string;
  verify: boolean;
  resume?: boolean;
  dryRun?: boolean;
  json?: boolean;
  interactive?: boolean;
  autoFinish?: string;
}

/**
 * The config with `--interactive` / `--auto-finish` applied; refuses, saying how to install tmux,
 * when any selected feature would run interactively without it.
 */
function interactiveConfig(
  project: Awaited<ReturnType<typeof loadProject>>,
  featureIds: readonly string[],
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
): Config {
  const base = project.config.interactive ?? {
    enabled: false,
    auto_finish_s: 0,
    trust_worktrees: false,
    bell: false,
  };
  let autoFinish = base.auto_finish_s;
  if (flags.autoFinish !== undefined) {
    autoFinish = Number(flags.autoFinish);
    if (!Number.isFinite(autoFinish) || autoFinish < 0) {
      throw new UserError(
        'run/bad-auto-finish',
        `--auto-finish must be a number of seconds, got "${flags.autoFinish}"`,
        {
          exitCode: 2,
        },
      );
    }
  }
  const interactive = {
    ...base,
    enabled: base.enabled || Boolean(flags.interactive),
    auto_finish_s: autoFinish,
  };
  const config = { ...project.config, interactive };
  const anyInteractive = featureIds.some(
    (id) => project.plan.byId.get(id)?.interactive ?? interactive.enabled,
  );
  if (anyInteractive && !flags.dryRun) assertTmuxInstalled(env);
  return config;
}

/** `baton run`: a worktree and an agent per feature, in parallel, with hooks, checks and one log. */
export const registerRun: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('run')
    .description(
      'create a worktree and branch per feature and run its agent, in parallel; checks run after each agent',
    )
    .argument('[ids...]', 'features to run (default: all)')
    .option('-j, --jobs <n>', 'how many agents at once (default: config concurrency, else all)')
    .option('--agent <name>', 'agent for every feature: claude, codex, gemini, aider, opencode, demo')
    .option(
      '--wait-for-deps',
      'start a feature only when its dependencies are complete, on top of their branches',
    )
    .option(
      '--base <ref>',
      'branch or commit to cut the feature branches from (default: config base, else HEAD)',
    )
    .option('--no-verify', 'do not run acceptance checks after each agent')
    .option('--resume', 'continue an interrupted run: skip complete features, reuse worktrees and branches')
    .option('--dry-run', 'print the command each agent would run, and create nothing')
    .option(
      '--interactive',
      'run each agent in its own tmux window with its full UI (see `baton attach`, `baton send`)',
    )
    .option(
      '--auto-finish <s>',
      'with --interactive: seconds of quiet after the agent stops before Baton ends its session (default 0)',
    )
    .addOption(new Option('--json', 'print the summary as JSON at the end'))
    .addHelpText(
      'after',
      '\nEach agent gets BATON_FEATURE_ID, BATON_RUN_ID, BATON_TASK_FILE, BATON_LOG, BATON_WORKTREE,\n' +
        'PORT and BATON_PORT_BASE (a block of ten ports of its own). Ctrl-C stops every agent and keeps\n' +
        'every worktree and commit. Exit code: 0 when every feature is complete, 1 otherwise.',
    )
    .action(async (ids: string[], flags: RunFlags) => {
      const loaded = await loadProject(ctx.cwd);
      const featureIds = selectFeatures(loaded.plan, ids);
      const project = { ...loaded, config: interactiveConfig(loaded, featureIds, flags, ctx.env) };
      let concurrency: number | undefined;
      if (flags.jobs !== undefined) {
        concurrency = Number(flags.jobs);
        if (!Number.isInteger(concurrency) || concurrency < 1) {
          throw new UserError(
            'run/bad-jobs',
            `--jobs must be a whole number of at least 1, got "${flags.jobs}"`,
            { exitCode: 2 },
          );
        }
      }
      const verifier: Verifier = makeWorktreeVerifier({
        config: project.config,
        logPath: project.logPath,
        clock: ctx.clock,
        env: ctx.env,
      });
      const p = palette(ctx.color);
      const progress = createProgressRenderer(ctx.stdout, p, featureIds);
      const abort = new AbortController();
      const unsubscribe = ctx.onInterrupt(() => {
        if (!abort.signal.aborted)
          ctx.stderr.write('\nbaton: stopping every agent (their worktrees and commits are kept)…\n');
        abort.abort();
      });
      try {
        const summary = await runFeatures({
          root: project.root,
          config: project.config,
          plan: project.plan,
          logPath: project.logPath,
          featureIds,
          ...(concurrency !== undefined ? { concurrency } : {}),
          ...(flags.agent ? { agent: flags.agent } : {}),
          waitForDeps: Boolean(flags.waitForDeps),
          ...(flags.base ? { base: flags.base } : {}),
          resume: Boolean(flags.resume),
          ...(flags.verify ? { verifier } : {}),
          dryRun: Boolean(flags.dryRun),
          clock: ctx.clock,
          env: ctx.env,
          batonCommand: [process.execPath, ctx.batonBin],
          signal: abort.signal,
          onEvent: (e) => {
            progress.onEvent(e);
            // The conductor may be looking elsewhere: a bell when an agent starts waiting for them.
            if (project.config.interactive?.bell && e.type === 'hook' && e.status === 'needs-input')
              ctx.stderr.write('\x07');
          },
          onDryRun: (id, launch, worktree) =>
            ctx.stdout.write(`${id}: in ${worktree}\n  ${launch.display}\n`),
        });
        progress.close();
        if (flags.dryRun) return;
        if (flags.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const done = summary.features.filter((f) => f.status === 'complete').length;
          ctx.stdout.write(`${done}/${summary.features.length} features complete; see \`baton status\`.\n`);
        }
        setExit(summary.outcome === 'complete' ? 0 : 1);
      } finally {
        unsubscribe();
      }
    });
};
