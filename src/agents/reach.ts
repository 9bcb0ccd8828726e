/**
 * What an agent can do, said before a run: a feature whose agent cannot do it at all (the scripted
 * demo agent without a recipe for it, `AgentAdapter.cannotDo`) is a `baton lint` warning at the
 * contract, and a flag the run would refuse a `baton lint` error, rather than a failure found in an
 * agent log after the run.
 */
import { planAttempts } from '../attempts/plan.js';
import type { Config } from '../config-schema.js';
import { diagnosticAt } from '../contracts/diagnostic-at.js';
import type { Contract } from '../contracts/schema.js';
import { type Diagnostic, UserError } from '../errors.js';
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

/** The adapters a contract's attempts run, each once. */
function adaptersOf(contract: Contract, config: Config): AgentAdapter[] {
  const { agents } = planAttempts({ contract, config });
  return [...new Set(agents.map(adapterOf).filter((a) => a !== undefined))];
}

/**
 * What `baton lint` says about the agents before a run: the warnings of `agentReachWarnings`, and an
 * error for each flag of the user's that the run would refuse (`AgentAdapter.checkFlags`, the very
 * check `run` and `run --dry-run` make), said once however many features it would stop.
 */
export function agentDiagnostics(
  contracts: readonly Contract[],
  config: Config,
  env: NodeJS.ProcessEnv,
): Diagnostic[] {
  return [...agentReachWarnings(contracts, config, env), ...agentFlagErrors(contracts, config)];
}

/** One error per refused flag (the first feature it stops), at the contract's `agent:` or `feature_id`. */
function agentFlagErrors(contracts: readonly Contract[], config: Config): Diagnostic[] {
  const said = new Set<string>();
  return contracts.flatMap((contract) =>
    adaptersOf(contract, config).flatMap((adapter) => {
      try {
        adapter.checkFlags?.({ feature: contract, override: config.agents[adapter.name] });
        return [];
      } catch (err) {
        if (!(err instanceof UserError) || said.has(err.message)) return [];
        said.add(err.message);
        const d = { code: err.code, message: err.message, hint: err.hint ?? '' };
        return [diagnosticAt(contract, 'agent', 'error', d, 'feature_id')];
      }
    }),
  );
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
    return adaptersOf(contract, config).flatMap((adapter) => {
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
