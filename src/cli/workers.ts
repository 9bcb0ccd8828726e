import { UserError } from '../errors.js';
import { NO_QUEUE_HINT, queueSetting } from '../queue/setting.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { configFor } from './agents.js';
import type { RegisterCommand } from './commands.js';

/** `baton workers`: the live workers of a queue, from their heartbeats. */
export const registerWorkers: RegisterCommand = (program, ctx) => {
  program
    .command('workers')
    .description('list the live `baton worker`s of a queue (from their heartbeats)')
    .option('--queue <url>', 'redis://… (or `queue:` in the config of the repository run in, or BATON_QUEUE)')
    .option('--json', 'print them as JSON')
    .action(async (flags: { queue?: string; json?: boolean }) => {
      // The config of the repository run in, when there is one: its `queue:` after the flag, before BATON_QUEUE.
      const queue = queueSetting(flags.queue, await configFor(ctx.cwd), ctx.env);
      if (!queue)
        throw new UserError('workers/no-queue', 'baton workers needs the queue URL', {
          hint: NO_QUEUE_HINT,
          exitCode: 2,
        });
      const { connectRedis } = await import('../queue/connection.js');
      const { listWorkers } = await import('../queue/heartbeat.js');
      const redis = await connectRedis(queue.url, 'baton-workers', undefined, queue.from);
      try {
        const { workers, others } = await listWorkers(redis);
        // Keys someone else wrote under the heartbeat prefix: named, never taken for workers.
        const foreign = others.map((o) => `${escapeControl(o.key)}  not a worker: ${escapeControl(o.why)}`);
        if (flags.json) {
          ctx.stdout.write(`${stringifyJson(workers, 2)}\n`);
          for (const line of foreign) ctx.stderr.write(`baton: ${line}\n`);
          return;
        }
        if (workers.length === 0) ctx.stdout.write('no live workers\n');
        for (const w of workers) {
          const busy = w.active.length ? `busy: ${w.active.map((s) => escapeControl(s)).join(', ')}` : 'idle';
          ctx.stdout.write(
            `${escapeControl(w.id)}  host ${escapeControl(w.host)}  pid ${w.pid}  agents ${w.agents.map((s) => escapeControl(s)).join(',')}  ×${w.concurrency}  hub ${escapeControl(w.hub)}  ${busy}\n`,
          );
        }
        for (const line of foreign) ctx.stdout.write(`${line}\n`);
      } finally {
        redis.disconnect();
      }
    });
};
