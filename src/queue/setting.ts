/**
 * Which Redis URL a run uses and where it was set: `--queue`, the config's `queue`, or BATON_QUEUE, in
 * that order. Light on purpose: nothing of Redis or BullMQ is loaded to read it.
 */
import { configFileName } from '../config-files.js';

/** A queue URL and the setting it came from, as a hint names it (`--queue`, `queue` in the config file read). */
export interface QueueSetting {
  url: string;
  from: string;
}

/** The queue a run uses, or undefined when none is set. */
export function queueSetting(
  flag: string | undefined,
  config: { queue?: string | undefined; file?: string | undefined },
  env: NodeJS.ProcessEnv,
): QueueSetting | undefined {
  if (flag) return { url: flag, from: '--queue' };
  if (config.queue) {
    return { url: config.queue, from: `\`queue\` in ${configFileName(config.file)}` };
  }
  return env.BATON_QUEUE ? { url: env.BATON_QUEUE, from: 'BATON_QUEUE' } : undefined;
}
