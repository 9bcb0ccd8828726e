import { UserError } from '../errors.js';
import { stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** `baton workers`: the live workers of a queue, from their heartbeats. */
export const registerWorkers: RegisterCommand = (program, ctx) => {
  program
    .command('workers')
    .description('list the live `baton worker`s of a queue (from their heartbeats)')
    .option('--queue <url>', 'redis://… (or BATON_QUEUE)')
    .option('--json', 'print them as JSON')
    .action(async (flags: { queue?: string; json?: boolean }) => {
      const queue = flags.queue ?? ctx.env.BATON_QUEUE;
      if (!queue)
        throw new UserError('workers/no-queue', 'baton workers needs the queue URL', {
          hint: 'Pass --queue redis://host:6379.',
          exitCode: 2,
        });
      const { connectRedis } = await import('../queue/connection.js');
      const { listWorkers } = await import('../queue/heartbeat.js');
      const redis = await connectRedis(queue, 'baton-workers');
      try {
        const workers = await listWorkers(redis);
        if (flags.json) {
          ctx.stdout.write(`${stringifyJson(workers, 2)}\n`);
          return;
        }
        if (workers.length === 0) {
          ctx.stdout.write('no live workers\n');
          return;
        }
        for (const w of workers) {
          const busy = w.active.length ? `busy: ${w.active.join(', ')}` : 'idle';
          ctx.stdout.write(
            `${w.id}  host ${w.host}  pid ${w.pid}  agents ${w.agents.join(',')}  ×${w.concurrency}  ${busy}\n`,
          );
        }
      } finally {
        redis.disconnect();
      }
    });
};
