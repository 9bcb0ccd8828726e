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
