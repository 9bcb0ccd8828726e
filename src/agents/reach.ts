/**
 * What an agent can do, said before a run: a feature whose agent cannot do it at all (the scripted
 * demo agent without a recipe for it, `AgentAdapter.cannotDo`) is a `baton lint` warning at the
 * contract, rather than a failure found in an agent log after the run.
 */
import { planAttempts } from '../attempts/plan.js';
import type { Config } from '../config-schema.js';
import { diagnosticAt } from '../contracts/diagnostic-at.js';
import type { Contract } from '../contracts/schema.js';
import type { Diagnostic } from '../errors.js';
import type { AgentAdapter } from './adapter.js';
import { resolveAdapter } from './registry.js';

/** The adapter of a spec, or undefined for a name with none (the contract's own error names it). */
function adapterOf(spec: Parameters<typeof resolveAdapter>[0]): AgentAdapter | undefined {
  try {
    return resolveAdapter(spec);
  } catch {
    return undefined;
  }
}

/**
 * One warning per feature and agent that cannot do it (each agent its attempts run counted once), at the
 * contract's `agent:` field when it names one, else at its `feature_id` (the config's agent applies).
 */
export function agentReachWarnings(
  contracts: readonly Contract[],
  config: Config,
  env: NodeJS.ProcessEnv,
): Diagnostic[] {
  return contracts.flatMap((contract) => {
    const { agents } = planAttempts({ contract, config });
    const adapters = new Set(agents.map(adapterOf).filter((a) => a !== undefined));
    return [...adapters].flatMap((adapter) => {
      const why = adapter.cannotDo?.({ feature: contract, override: config.agents[adapter.name], env });
      if (why === undefined) return [];
      const from = contract.agent === undefined ? ` (the config's \`agent\`)` : '';
      return [
        diagnosticAt(
          contract,
          'agent',
          'warning',
          {
            code: 'lint/agent-cannot-do',
            message: `${contract.feature_id} runs agent ${adapter.name}${from}, but ${why}`,
            hint: 'Give it a real agent: `agent:` in its contract, or in the config (`baton agents` lists the installed ones).',
          },
          'feature_id',
        ),
      ];
    });
  });
}
