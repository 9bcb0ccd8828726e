/**
 * `--on-conflict agent`: the feature's own agent (any adapter) resolves a conflict in the
 * integration worktree, given the conflict task; every agent that may be needed is checked first.
 */
import { join } from 'node:path';
import { stateDirFor } from '../config.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import type { Plan } from '../graph/types.js';
import { assertAgentInstalled, runAgentOnce } from '../runner/agent-once.js';
import type { ConflictResolver } from './types.js';

/** What the resolver needs from the project and the invoking command. */
export interface AgentResolverOptions {
  root: string;
  config: Config;
  logPath: string;
  /** The run the resolver's events belong to (`integration` when there was none). */
  runId: string | undefined;
  env: NodeJS.ProcessEnv;
  /** How the agent's hooks call Baton back: `[node, bin/baton.js]`. */
  batonCommand: string[];
}

function agentSpecFor(feature: Contract, config: Config): AgentSpec {
  return feature.agent ?? config.agent;
}

/** Checks, before any merge, that every agent `--on-conflict agent` may need is installed. */
export async function assertResolversInstalled(
  plan: Plan,
  order: readonly string[],
  config: Config,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  for (const id of order) {
    const feature = plan.byId.get(id);
    if (feature) await assertAgentInstalled(agentSpecFor(feature, config), env, config);
  }
}

/** A resolver that runs the feature's agent in the integration worktree with the conflict task. */
export function agentResolver(o: AgentResolverOptions): ConflictResolver {
  return async ({ worktree, files, feature, task, signal, marks }) => {
    const minutes = feature.timeout_minutes ?? o.config.timeout_minutes;
    const exit = await runAgentOnce({
      spec: agentSpecFor(feature, o.config),
      feature,
      task,
      worktree,
      dir: join(stateDirFor(o.root), 'integration', `conflict-${feature.feature_id}`),
      stateDir: stateDirFor(o.root),
      config: o.config,
      logPath: o.logPath,
      runId: o.runId ?? 'integration',
      env: o.env,
      batonCommand: o.batonCommand,
      extraEnv: { ...marks, BATON_CONFLICT_FILES: files.join('\n') },
      ...(minutes ? { timeoutMs: minutes * 60_000 } : {}),
      ...(signal ? { signal } : {}),
    });
    return { exitCode: exit.exitCode };
  };
}
