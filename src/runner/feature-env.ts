import { unitEnvironment } from '../contracts/feature-id.js';

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
 * The environment every process of a feature gets (its setup and its agent, run locally or by a
 * queue worker): `base` plus the `BATON_*` variables, `PORT` and `PWD` (pure).
 */
export function featureEnvironment(base: NodeJS.ProcessEnv, f: FeatureEnvFacts): NodeJS.ProcessEnv {
  return {
    ...base,
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
