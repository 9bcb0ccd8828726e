import { plannedCriteria } from '../checks/criteria.js';
import { UserError } from '../errors.js';
import { unverifiedReason } from '../log/check-reason.js';
import { featureAt } from '../log/fold.js';
import { foldForFeatures } from '../log/fold-from-end.js';
import type { Project } from '../project.js';
import { hubRetryMsOf } from '../queue/hub-retry.js';
import { runQueued } from '../queue/orchestrator.js';
import { hubSetting, type QueueSetting } from '../queue/setting.js';
import { runAgainFlags } from '../runner/resume-command.js';
import type { RunSummary } from '../runner/run.js';
import { escapeControl } from '../text/escape.js';
import type { CliContext } from './context.js';
import { abortOnInterrupt } from './interrupt.js';
import type { ProgressRenderer } from './progress.js';
import { reportRunSummary } from './run-summary.js';

/**
 * The `--queue` branch of `baton run`, imported on demand by `cli/run.ts` so a local run never loads
 * BullMQ or a Redis client. Resolves to the exit code.
 */
export async function runQueuedCommand(input: {
  ctx: CliContext;
  project: Project;
  featureIds: readonly string[];
  flags: { agent?: string; base?: string; verify: boolean; resume?: boolean; json?: boolean; hub?: string };
  queue: QueueSetting;
  progress: ProgressRenderer;
}): Promise<number> {
  const { ctx, project, flags } = input;
  const hub = hubSetting(flags.hub, project.config, ctx);
  if (!hub) {
    throw new UserError('queue/no-hub', 'a queued run needs a git hub that every worker can reach', {
      hint: 'Pass --hub <git url> (a bare repo: git init --bare /srv/hub.git), or set `hub:` in the config.',
      exitCode: 2,
    });
  }
  const abort = abortOnInterrupt(ctx);
  try {
    const summary = await runQueued({
      root: project.root,
      config: project.config,
      plan: project.plan,
      logPath: project.logPath,
      featureIds: input.featureIds,
      queue: input.queue.url,
      queueFrom: input.queue.from,
      hub,
      ...(flags.agent ? { agent: flags.agent } : {}),
      ...(flags.base ? { base: flags.base } : {}),
      verify: flags.verify,
      resume: Boolean(flags.resume),
      clock: ctx.clock,
      env: ctx.env,
      signal: abort.signal,
      onEvent: (e) => input.progress.onEvent(e),
      say: (line) => ctx.stderr.write(`baton: ${line}\n`),
      ...(ctx.env.BATON_QUEUE_RECONCILE_MS ? { reconcileMs: Number(ctx.env.BATON_QUEUE_RECONCILE_MS) } : {}),
      hubRetryMs: hubRetryMsOf(ctx.env),
    });
    input.progress.close();
    const queue = { url: input.queue.url, hub };
    const code = reportRunSummary(ctx, summary, Boolean(flags.json), queue, runAgainFlags(flags));
    const out = flags.json ? ctx.stderr : ctx.stdout;
    for (const line of unverifiedHere(project, summary)) out.write(`${escapeControl(line)}\n`);
    return code;
  } finally {
    abort.release();
  }
}

/**
 * The run's `complete` features that are unverified here (`unverifiedReason`, as `baton status` says):
 * a criterion of its contract has no result (a run with --no-verify), or its checks passed only on a
 * worker (unless the config trusts workers): `<id>: <why, and the command that verifies it here>`.
 * `baton integrate` leaves these out until `baton verify` passes them on this machine.
 */
function unverifiedHere(project: Project, summary: RunSummary): string[] {
  const ids = summary.features.filter((f) => f.status === 'complete').map((f) => f.feature_id);
  if (ids.length === 0) return [];
  const state = foldForFeatures(project.logPath, ids);
  const trust = { trustWorkers: project.config.trust_workers === true };
  return ids.flatMap((id) => {
    const f = featureAt(state, id);
    const contract = project.plan.byId.get(id);
    const why = f && unverifiedReason(f, contract && plannedCriteria(contract), trust);
    return why ? [`${id}: ${why}`] : [];
  });
}
