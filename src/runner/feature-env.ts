import { unitEnvironment } from '../contracts/feature-id.js';
import { withoutRepositoryEnv } from '../git/repository-env.js';

/** Who a feature's process is, where its files are and its ports, as it finds them in its environment. */
export interface FeatureEnvFacts {
  /** The unit: a feature id, or `<feature_id>.a<n>` for a best-of-N attempt. */
  featureId: string;
  runId: string;
  taskFile: string;
  logPath: string;
  worktree: string;
  branch: string;
  port: number;
  portBase: number;
}

/**
 * Variables that reach a distributed run's queue or hub: `baton worker` and `baton run --queue` read the
 * first two, and redis-cli takes its password from the third. None is ever a feature's process's.
 */
export const QUEUE_ENV_KEYS: readonly string[] = ['BATON_QUEUE', 'BATON_HUB', 'REDISCLI_AUTH'];

/** A password shorter than this is left out only where a variable is exactly it (a substring could be anything). */
const SHORT_SECRET = 8;

/** The queue URL's password (decoded), if it has one (pure). */
function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/**
 * `env` without access to the queue (pure): the `QUEUE_ENV_KEYS`, and any variable whose value holds
 * the queue's URL or its password — `queue` (the one a worker was given, by `--queue` too) and
 * `BATON_QUEUE`'s own — such as a `REDIS_URL` or `REDIS_PASSWORD` set to the same. An agent on a worker
 * with the queue could take other features' jobs and report what it likes (docs/security.md); a
 * variable naming another Redis (the project's own) is kept.
 */
export function withoutQueueAccess(env: NodeJS.ProcessEnv, queue?: string): NodeJS.ProcessEnv {
  const urls = [queue, env.BATON_QUEUE].filter((u): u is string => typeof u === 'string' && u !== '');
  const secrets = urls.flatMap((u) => [u.replace(/\/+$/, ''), passwordOf(u) ?? []].flat());
  const holds = (value: string) =>
    secrets.some((x) => value === x || (x.length >= SHORT_SECRET && value.includes(x)));
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (QUEUE_ENV_KEYS.includes(k) || (v !== undefined && holds(v))) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The environment every process of a feature gets (its setup and its agent, run locally, in a tmux
 * window or by a queue worker): `base` without access to a queue (`withoutQueueAccess`) and without
 * the variables that would point its git at another repository than its worktree's
 * (`withoutRepositoryEnv`: a git hook's `GIT_DIR`, `GIT_INDEX_FILE`), plus the `BATON_*` variables,
 * `PORT` and `PWD` (pure).
 */
export function featureEnvironment(base: NodeJS.ProcessEnv, f: FeatureEnvFacts): NodeJS.ProcessEnv {
  return {
    ...withoutQueueAccess(withoutRepositoryEnv(base)),
    ...unitEnvironment(f.featureId),
    BATON_RUN_ID: f.runId,
    BATON_TASK_FILE: f.taskFile,
    BATON_LOG: f.logPath,
    BATON_WORKTREE: f.worktree,
    // Some agents (OpenCode) take their folder from PWD rather than the real cwd.
    PWD: f.worktree,
    BATON_BRANCH: f.branch,
    PORT: String(f.port),
    BATON_PORT_BASE: String(f.portBase),
  };
}

/**
 * The names `featureEnvironment` sets, derived from it so the two never disagree: who a feature's
 * process is, its files and ports. None is a secret.
 */
export const FEATURE_ENV_KEYS: readonly string[] = Object.keys(
  featureEnvironment(
    {},
    { featureId: '', runId: '', taskFile: '', logPath: '', worktree: '', branch: '', port: 0, portBase: 0 },
  ),
);

/**
 * `env` without the variables that make a process one feature's (pure): for processes that serve
 * every feature, such as the tmux server, which Baton's sweep of an agent's leftovers must not take
 * for that agent's.
 */
export function withoutFeatureEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of FEATURE_ENV_KEYS) delete out[k];
  return out;
}
