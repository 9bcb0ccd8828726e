import { join } from 'node:path';
import { Option } from 'commander';
import { verifyFeature } from '../checks/verify.js';
import { stateDirFor } from '../config.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { branchExists, resolveCommit } from '../git/git.js';
import { featureBranch, INTEGRATION_BRANCH } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { explainConflict, explainFile } from '../integrate/explain.js';
import {
  type CheckRunner,
  CONFLICT_POLICIES,
  type ConflictPolicy,
  type ConflictResolver,
  continueIntegration,
  type IntegrationResult,
  type IntegrationSettings,
  orderForIntegration,
  startIntegration,
} from '../integrate/merge.js';
import { ownersOf } from '../integrate/ownership.js';
import { type Prediction, predictConflicts } from '../integrate/predict.js';
import { lockForCommand } from '../lock/baton-lock.js';
import type { BatonEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { readLog } from '../log/read.js';
import { loadProject, type Project, selectFeatures } from '../project.js';
import { assertAgentInstalled, runAgentOnce } from '../runner/agent-once.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { formatDuration, type Palette, palette } from './style.js';

interface IntegrateFlags {
  predictOnly?: boolean;
  test?: string;
  testTimeout: string;
  into?: string;
  onConflict?: ConflictPolicy;
  continue?: boolean;
  fresh?: boolean;
  base?: string;
  json?: boolean;
}

/** The integration branch; one per repository. */

/** `baton integrate`: predict conflicts, then merge the feature branches in dependency order. */
export const registerIntegrate: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('integrate')
    .description(
      'predict conflicts between feature branches, then merge them in dependency order on baton/integration, ' +
        'in a worktree of its own (your checkout is never touched), testing after each merge',
    )
    .argument('[ids...]', 'features to integrate (default: every feature with a branch baton/<id>)')
    .option('--predict-only', 'only predict: conflicting pairs, harmless overlaps, ownership violations')
    .option(
      '--test <cmd>',
      'test command run in the integration worktree after each merge (default: config test)',
    )
    .option('--test-timeout <seconds>', 'stop the test command after this long', '900')
    .addOption(
      new Option(
        '--on-conflict <policy>',
        'stop (default): leave the merge for you to resolve; skip: leave the feature and its dependents out; agent: let the configured agent resolve it',
      ).choices(CONFLICT_POLICIES),
    )
    .option(
      '--into <branch>',
      'fast-forward this branch to the result when every merge, test and check passed',
    )
    .option('--continue', 'go on after resolving a conflict (and `git add`) in the integration worktree')
    .option(
      '--fresh',
      'start over when baton/integration holds an earlier result (which is kept as a backup ref)',
    )
    .option('--base <ref>', 'where baton/integration starts (default: config base, else the checkout HEAD)')
    .option('--json', 'print the prediction and the merge results as JSON')
    .addHelpText(
      'after',
      '\nThe test command gets PORT, BATON_INTEGRATION=1 and BATON_AFTER_FEATURE. With --on-conflict agent,\n' +
        'the feature agent (any adapter) runs in the integration worktree with BATON_TASK_FILE (the conflict and\n' +
        'both contracts) and BATON_CONFLICT_FILES (one path a line).\n' +
        'Exit code: 0 when integration is clean (and --into moved the branch), 1 on a predicted or real\n' +
        'conflict, failed tests or checks, or a refused --into; 2 on a usage error.',
    )
    .action(async (ids: string[], flags: IntegrateFlags) => {
      const testTimeoutS = Number(flags.testTimeout);
      if (!Number.isFinite(testTimeoutS) || testTimeoutS <= 0) {
        throw new UserError(
          'integrate/bad-timeout',
          `--test-timeout must be a positive number of seconds, got "${flags.testTimeout}"`,
          {
            exitCode: 2,
          },
        );
      }
      if (flags.continue && (ids.length > 0 || flags.predictOnly || flags.fresh || flags.base)) {
        throw new UserError(
          'integrate/bad-continue',
          '--continue goes on with the integration in progress; it takes no ids, --predict-only, --fresh or --base',
          {
            exitCode: 2,
          },
        );
      }
      const project = await loadProject(ctx.cwd);
      if (!flags.predictOnly) lockForCommand(project.root, 'integrate', ctx.stderr); // released at exit
      const p = palette(ctx.color);
      const out = (s: string) => {
        if (!flags.json) ctx.stdout.write(`${s}\n`);
      };

      const settings = integrationSettings(project, ctx, flags, testTimeoutS, p, out);
      if (flags.continue) {
        const result = await continueIntegration(settings);
        renderResult(result, p, out);
        if (flags.json) ctx.stdout.write(`${JSON.stringify({ integration: result }, null, 2)}\n`);
        setExit(exitCodeOf(result));
        return;
      }

      const selected = selectFeatures(project.plan, ids);
      const exists = await Promise.all(selected.map((id) => branchExists(project.root, featureBranch(id))));
      const withBranch = new Set(selected.filter((_, i) => exists[i]));
      const { order, notRun } = orderForIntegration(project.plan, selected, (id) => withBranch.has(id));
      const baseRef = flags.base ?? project.config.base ?? 'HEAD';
      const base = await resolveCommit(project.root, baseRef);
      if (base === undefined) {
        throw new UserError(
          'integrate/bad-base',
          `the base "${baseRef}" is not a commit in this repository`,
          {
            hint: 'Pass --base <branch or commit>, or fix `base` in the config.',
          },
        );
      }
      for (const id of notRun) out(`${id}: ${p.yellow('not run')} (no branch ${featureBranch(id)}), skipped`);
      if (order.length === 0) {
        throw new UserError('integrate/nothing', 'no feature has a branch to integrate', {
          hint: 'Run `baton run` first; it makes a branch baton/<id> per feature.',
        });
      }

      const prediction = await predictConflicts({
        cwd: project.root,
        base,
        branches: order.map((id) => ({ feature_id: id, branch: featureBranch(id) })),
        contracts: project.plan.features,
        clock: ctx.clock,
      });
      renderPrediction(prediction, project.plan, p, out);
      if (flags.predictOnly) {
        if (flags.json) ctx.stdout.write(`${JSON.stringify({ prediction, not_run: notRun }, null, 2)}\n`);
        setExit(prediction.conflicts.length > 0 ? 1 : 0);
        return;
      }

      if (settings.onConflict === 'agent') await assertAgentsInstalled(project, order, ctx.env);
      out('');
      const result = await startIntegration({
        ...settings,
        features: order,
        notRun,
        base,
        worktreePath: join(project.config.worktrees, 'integration'),
        fresh: Boolean(flags.fresh),
      });
      renderResult(result, p, out);
      if (flags.json) ctx.stdout.write(`${JSON.stringify({ prediction, integration: result }, null, 2)}\n`);
      setExit(exitCodeOf(result));
    });
};

/** 0 only for a clean integration whose requested `--into` happened. */
function exitCodeOf(result: IntegrationResult): number {
  if (result.outcome !== 'clean') return 1;
  if (result.into && !result.into.moved) return 1;
  return 0;
}

function integrationSettings(
  project: Project,
  ctx: CliContext,
  flags: IntegrateFlags,
  testTimeoutS: number,
  p: Palette,
  out: (s: string) => void,
): IntegrationSettings {
  const runId = lastRunId(project.logPath);
  const runChecks: CheckRunner = async ({ feature, cwd, port }) =>
    verifyFeature({
      contract: feature,
      cwd,
      on: 'integration',
      port,
      config: project.config,
      logPath: project.logPath,
      clock: ctx.clock,
      env: ctx.env,
      ...(runId ? { runId } : {}),
    });
  // `--continue` falls back to the command the integration began with, recorded in the log.
  const test = flags.continue ? flags.test : (flags.test ?? project.config.test);
  return {
    root: project.root,
    plan: project.plan,
    logPath: project.logPath,
    clock: ctx.clock,
    env: ctx.env,
    ...(runId ? { runId } : {}),
    branch: INTEGRATION_BRANCH,
    ...(test ? { test } : {}),
    testTimeoutMs: testTimeoutS * 1000,
    ...(flags.onConflict ? { onConflict: flags.onConflict } : {}),
    resolver: agentResolver(project, ctx),
    runChecks,
    portBase: project.config.port_base,
    ...(flags.into ? { into: flags.into } : {}),
    onEvent: (e) => {
      const line = describeIntegrationEvent(e, p);
      if (line) out(line);
    },
  };
}

function lastRunId(logPath: string): string | undefined {
  return foldEvents(readLog(logPath, undefined, { final: true }).events).run_id;
}

function agentSpecFor(feature: Contract, config: Config): AgentSpec {
  return feature.agent ?? config.agent;
}

/** Checks, before any merge, that every agent `--on-conflict agent` may need is installed. */
async function assertAgentsInstalled(
  project: Project,
  order: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  for (const id of order)
    await assertAgentInstalled(agentSpecFor(project.plan.byId.get(id)!, project.config), env, project.config);
}

/** Runs the feature's agent (any adapter) in the integration worktree with the conflict task. */
function agentResolver(project: Project, ctx: CliContext): ConflictResolver {
  return async ({ worktree, files, feature, task }) => {
    const minutes = feature.timeout_minutes ?? project.config.timeout_minutes;
    const exit = await runAgentOnce({
      spec: agentSpecFor(feature, project.config),
      feature,
      task,
      worktree,
      dir: join(stateDirFor(project.root), 'integration', `conflict-${feature.feature_id}`),
      config: project.config,
      logPath: project.logPath,
      runId: lastRunId(project.logPath) ?? 'integration',
      env: ctx.env,
      batonCommand: [process.execPath, ctx.batonBin],
      extraEnv: { BATON_CONFLICT_FILES: files.join('\n') },
      ...(minutes ? { timeoutMs: minutes * 60_000 } : {}),
    });
    return { exitCode: exit.exitCode };
  };
}

/** One line per integration event, as it happens. */
function describeIntegrationEvent(e: BatonEvent, p: Palette): string | undefined {
  switch (e.type) {
    case 'integration.started':
      return `Integrating ${e.order.length} feature(s) on ${e.branch} in ${e.worktree}: ${e.order.join(' → ')}`;
    case 'merge.clean':
      return `  ${e.feature_id}: ${p.green('merged')} ${p.dim(`${e.commit.slice(0, 10)}, ${formatDuration(e.duration_ms)}`)}`;
    case 'merge.conflict':
      return `  ${e.feature_id}: ${p.red('conflict')} in ${e.files.join(', ')}${e.with.length ? ` (with ${e.with.join(', ')})` : ''}`;
    case 'merge.skipped':
      return `  ${e.feature_id}: ${p.yellow('skipped')} — ${e.reason}`;
    case 'integration.tested':
      return `  tests after ${e.after_feature}: ${e.passed ? p.green('passed') : p.red('failed')} ${p.dim(`(exit ${e.exit_code ?? 'none'}, ${formatDuration(e.duration_ms)})`)}`;
    case 'check.passed':
      return `  ${e.feature_id}: check ${e.criterion_id} ${p.green('passed')}: ${e.message}`;
    case 'check.failed':
      return `  ${e.feature_id}: check ${e.criterion_id} ${p.red('failed')}: ${e.message}`;
    case 'check.unverifiable':
      return `  ${e.feature_id}: check ${e.criterion_id} ${p.yellow('unverifiable')}: ${e.text}`;
    default:
      return undefined;
  }
}

function renderPrediction(pr: Prediction, plan: Plan, p: Palette, out: (s: string) => void): void {
  out(
    `Prediction for ${pr.features.length} feature(s): ${pr.pairs} potential integration point(s), ${pr.merge_tested} checked with git merge-tree ${p.dim(`(${formatDuration(pr.duration_ms)})`)}`,
  );
  if (pr.conflicts.length === 0 && pr.clean_overlaps.length === 0 && pr.violations.length === 0) {
    out(`  ${p.green('no conflicts, no overlaps, no ownership violations')}`);
    return;
  }
  for (const c of pr.conflicts) {
    out(`  ${p.red('conflict')}   ${c.a} × ${c.b}: ${c.files.join(', ')}`);
    for (const f of c.files)
      out(p.dim(`             ${explainFile(f, c.a, [c.b], ownersOf(f, plan.features))}`));
  }
  for (const c of pr.clean_overlaps) {
    out(
      `  ${p.yellow('overlap')}    ${c.a} × ${c.b}: ${c.files.join(', ')} ${p.dim('(both changed it; merges cleanly)')}`,
    );
  }
  for (const v of pr.violations) {
    const why =
      v.kind === 'owned-by-other'
        ? `which only ${v.owners.join(' and ')} own${v.owners.length === 1 ? 's' : ''}`
        : 'outside its owns';
    out(`  ${p.yellow('ownership')}  ${v.feature_id} changed ${v.file}, ${why}`);
  }
}

function renderResult(r: IntegrationResult, p: Palette, out: (s: string) => void): void {
  out('');
  if (r.conflict) {
    for (const line of explainConflict(r.conflict)) out(line);
    if (r.conflict.resolver_exit !== undefined) {
      out(
        `The agent (exit ${r.conflict.resolver_exit ?? 'none'}) left ${r.conflict.unresolved?.length ? `unresolved: ${r.conflict.unresolved.join(', ')}` : 'the merge unfinished'}.`,
      );
    }
  }
  if (r.tests_failed_after) {
    const t = r.tests_failed_after;
    out(
      `${p.red(`Tests failed after merging ${t.after_feature}`)} (merge ${t.index} of ${t.total}): ${t.exit}`,
    );
    if (t.output_tail) for (const line of t.output_tail.split('\n')) out(p.dim(`  | ${line}`));
    out(
      `Fix it on ${featureBranch(t.after_feature)}, then run \`baton integrate --fresh\`; the state is in ${r.worktree}.`,
    );
  }
  for (const [id, t] of Object.entries(r.checks)) {
    const paint = t.failed > 0 ? p.red : t.unverifiable > 0 ? p.yellow : p.green;
    out(
      `${id}: ${paint(`${t.passed}/${t.total} integration checks passed`)}${t.unverifiable ? `, ${t.unverifiable} unverifiable` : ''}`,
    );
  }
  const merged = r.steps.filter((s) => s.status === 'merged').length;
  const skipped = r.steps.filter((s) => s.status === 'skipped').length;
  const paint = r.outcome === 'clean' ? p.green : r.outcome === 'partial' ? p.yellow : p.red;
  out(
    `Integration ${paint(r.outcome)} in ${formatDuration(r.duration_ms)}: ${merged} of ${r.order.length} merged${skipped ? `, ${skipped} skipped` : ''}; ${r.branch} at ${r.commit.slice(0, 10)} in ${r.worktree}`,
  );
  if (r.backup) out(p.dim(`The earlier result is kept as ${r.backup}.`));
  if (r.into?.moved) {
    const ff = r.into.fast_forward;
    out(`${p.green(`${r.into.branch} fast-forwarded`)} ${ff.from.slice(0, 10)} → ${ff.to.slice(0, 10)}`);
  } else if (r.into) {
    out(`${p.red(`${r.into.branch} left where it was`)}: ${r.into.reason}`);
    if (r.into.hint) out(`hint: ${r.into.hint}`);
  }
  for (const note of r.notes) out(p.dim(`note: ${note}`));
}
