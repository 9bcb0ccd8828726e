/**
 * Which Redis URL and git hub a run or a worker uses and where each was set: the flag, the config's
 * setting, or the environment (BATON_QUEUE, BATON_HUB), in that order. Light on purpose: nothing of
 * Redis or BullMQ is loaded to read them.
 */
import { configFileName } from '../config-files.js';
import { absoluteHub } from './hub.js';

/** A queue URL and the setting it came from, as a hint names it (`--queue`, `queue` in the config file read). */
export interface QueueSetting {
  url: string;
  from: string;
}

/** What to do when no queue is set, for `baton worker` and `baton workers`: every place one is read from. */
export const NO_QUEUE_HINT =
  "Pass --queue redis://host:6379, set BATON_QUEUE (which keeps a password off the command line), or set `queue:` in the repository's config.";

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

/**
 * The hub a run or a worker uses, a path made absolute (`absoluteHub`): from the folder the command was
 * given in (`cwd`) for `--hub` and BATON_HUB, from the repository's root (the config's folder) for `hub:`
 * in the config; undefined when none is set.
 */
export function hubSetting(
  flag: string | undefined,
  config: { hub?: string | undefined; root: string },
  o: { env: NodeJS.ProcessEnv; cwd: string },
): string | undefined {
  if (flag) return absoluteHub(flag, o.cwd);
  if (config.hub) return absoluteHub(config.hub, config.root);
  return o.env.BATON_HUB ? absoluteHub(o.env.BATON_HUB, o.cwd) : undefined;
}
