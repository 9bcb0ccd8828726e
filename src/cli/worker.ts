import { resolve } from 'node:path';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { killGroupsInGrace } from '../process/supervise.js';
import { envMs } from '../queue/env-ms.js';
import { hubRetryMsOf } from '../queue/hub-retry.js';
import { hubSetting, NO_QUEUE_HINT, type QueueSetting, queueSetting } from '../queue/setting.js';
import type { RunningWorker } from '../queue/worker.js';
import { configFor } from './agents.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { untilInterrupted } from './interrupt.js';
import { readJobsFlag } from './jobs-flag.js';

interface WorkerFlags {
  queue?: string;
  hub?: string;
  jobs: string;
  agents?: string;
  dir?: string;
  name?: string;
}

/**
 * The worker's config, queue and hub. The agents are looked for as `baton agents` here finds them, with
 * this folder's config; its `queue:` and `hub:` come after the flags, before the environment, as for
 * `baton run --queue`. No queue or no hub is a usage error.
 */
async function workerSettings(
  flags: WorkerFlags,
  ctx: CliContext,
): Promise<{ agentConfig: Config; queue: QueueSetting; hub: string }> {
  const agentConfig = await configFor(ctx.cwd);
  const queue = queueSetting(flags.queue, agentConfig, ctx.env);
  const hub = hubSetting(flags.hub, agentConfig, ctx);
  if (!queue)
    throw new UserError('worker/no-queue', 'baton worker needs the queue URL', {
      hint: NO_QUEUE_HINT,
      exitCode: 2,
    });
  if (!hub)
    throw new UserError('worker/no-hub', 'baton worker needs the git hub URL', {
      hint: "Pass --hub <git url>, the same as the orchestrator's (or set BATON_HUB, or `hub:` in the repository's config).",
      exitCode: 2,
    });
  return { agentConfig, queue, hub };
}

/** `baton worker`: takes feature jobs from the queue and runs them in clones of the hub. */
export const registerWorker: RegisterCommand = (program, ctx) => {
  program
    .command('worker')
    .description(
      'take feature jobs from a `baton run --queue` run and do them here, in a cached clone of the hub',
    )
    .option(
      '--queue <url>',
      'redis://[:password@]host:port[/db] (or `queue:` in the config of the repository run in, or BATON_QUEUE)',
    )
    .option(
      '--hub <git url>',
      'the git hub the orchestrator pushes to, as it names it; a path is taken from here (or `hub:` in the config of the repository run in, a path from its root; or BATON_HUB)',
    )
    .option('-j, --jobs <n>', 'jobs at once, per agent', '1')
    .option(
      '--agents <names>',
      'only these agents, comma-separated (default: every one installed here, and command)',
    )
    .option(
      '--dir <path>',
      'where the cached clone and attempts live (default: ~/.cache/baton/workers/<hub key>/…)',
    )
    .option(
      '--name <id>',
      "this worker's id in `baton workers`, one live worker per name (default: host-pid-random)",
    )
    .addHelpText(
      'after',
      '\nEach attempt is pushed to refs/baton/attempts/<feature>/<job>.<tag>.<attempt> in the hub (<tag>:\n' +
        '8 hex digits drawn each time the job is enqueued); only the orchestrator moves baton/<feature>.\n' +
        'SIGTERM or Ctrl-C finishes the jobs in hand, then exits.\n' +
        'See docs/distributed.md.',
    )
    .action(async (flags: WorkerFlags) => {
      const { agentConfig, queue, hub } = await workerSettings(flags, ctx);
      const concurrency = readJobsFlag('worker', flags.jobs, 1);
      const { startWorker } = await import('../queue/worker.js');
      const say = (line: string) => ctx.stderr.write(`baton worker: ${line}\n`);
      // Jobs in hand end as recorded even when the terminal or pipe this prints to has gone.
      const keepRunning = ctx.keepRunningWithoutOutput?.();
      const running = await startWorker({
        queue: queue.url,
        queueFrom: queue.from,
        // Git runs in the clone's folder, not here: a relative hub (or --dir) is made absolute from where it was given.
        hub,
        concurrency,
        ...(flags.agents
          ? {
              agents: flags.agents
                .split(',')
                .map((a) => a.trim())
                .filter(Boolean),
            }
          : {}),
        ...(flags.dir ? { dir: resolve(ctx.cwd, flags.dir) } : {}),
        ...(flags.name ? { name: flags.name } : {}),
        cwd: ctx.cwd,
        env: ctx.env,
        agentConfig,
        batonCommand: [process.execPath, ctx.batonBin],
        ...(ctx.env.BATON_QUEUE_LOCK_MS ? { lockMs: Number(ctx.env.BATON_QUEUE_LOCK_MS) } : {}),
        ...(ctx.env.BATON_QUEUE_STALLED_MS ? { stalledMs: Number(ctx.env.BATON_QUEUE_STALLED_MS) } : {}),
        hubRetryMs: hubRetryMsOf(ctx.env),
        log: say,
      });
      await untilInterrupted(ctx);
      await finishJobsInHand(ctx, running, say);
      keepRunning?.();
    });
};

/**
 * After the first Ctrl-C: finishes the jobs in hand, then closes. A second Ctrl-C stops their agents
 * (`stopInHand`); jobs that still cannot finish (Redis away) are given up after `abandonMsOf`.
 */
async function finishJobsInHand(
  ctx: CliContext,
  running: RunningWorker,
  say: (line: string) => void,
): Promise<void> {
  say('finishing the jobs in hand, then exiting (Ctrl-C again stops their agents)');
  // Once their agents are stopped, jobs that still cannot finish (Redis away) are given up.
  let giveUp = () => {};
  const givenUp = new Promise<void>((resolve) => {
    giveUp = resolve;
  });
  const stopAgain = ctx.onInterrupt(() => {
    if (stopInHand(running, say)) setTimeout(giveUp, abandonMsOf(ctx.env)).unref();
  });
  const closed = running.close().then(
    () => true,
    () => true,
  );
  if (!(await Promise.race([closed, givenUp.then(() => false)]))) {
    say(
      'the jobs in hand could not finish (Redis not answering?); exiting without them: the queue gives them to another worker',
    );
    running.abandon();
    // BullMQ waits on a connection that will not come back (its lock timers go on): once this
    // command has returned its exit code, the process ends rather than hang.
    setTimeout(() => process.exit(), 1000).unref();
  }
  stopAgain();
}

/**
 * A Ctrl-C while the worker finishes its jobs: the first stops their agents (SIGTERM; each job goes
 * back to the queue for another worker) and returns true, a next one kills the process groups still
 * given their grace.
 */
function stopInHand(running: RunningWorker, say: (line: string) => void): boolean {
  if (stopping.has(running)) {
    const killed = killGroupsInGrace();
    say(
      killed === 0
        ? 'already stopping the agents…'
        : `killed ${killed} process group${killed === 1 ? '' : 's'} that had not ended on SIGTERM (SIGKILL)`,
    );
    return false;
  }
  stopping.add(running);
  const n = running.stopJobs();
  say(
    n === 0
      ? 'no job in hand; exiting'
      : `stopping the agent${n === 1 ? '' : 's'} of ${n} job${n === 1 ? '' : 's'} in hand; each goes back to the queue for another worker`,
  );
  return true;
}

/** Workers whose jobs' agents are being stopped (a second Ctrl-C came). */
const stopping = new WeakSet<RunningWorker>();

/** How long jobs whose agents were stopped may take to finish before the worker exits without them (ms). */
function abandonMsOf(env: NodeJS.ProcessEnv): number {
  return envMs(env, 'BATON_WORKER_ABANDON_MS', 10_000, 'refused');
}
