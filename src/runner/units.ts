/**
 * The units of work of a run: a plain feature is one unit; a best-of-N feature is one unit per
 * attempt (`<feature_id>.a<n>`), each with its own contract copy, worktree, branch, port block and
 * agent, scheduled in the same pool (pure).
 */
import { type AttemptPlan, isBestOfN, planAttempts } from '../attempts/plan.js';
import { attemptUnitId, parseAttemptUnitId } from '../contracts/feature-id.js';
import type { AgentSpec, AttemptsSpec, Contract, SelectPolicy } from '../contracts/schema.js';
import type { Plan } from '../graph/types.js';

/** One unit of work: a feature, or one attempt of a best-of-N feature. */
export interface WorkUnit {
  /** The feature id, or `<feature_id>.a<n>` for an attempt. */
  id: string;
  featureId: string;
  /** Set for a best-of-N attempt. */
  attempt?: number;
  spec: AgentSpec;
}

/** What planning needs of the run's options. */
export interface UnitSources {
  plan: Plan;
  featureIds: readonly string[];
  config: { attempts?: AttemptsSpec | undefined; select?: SelectPolicy | undefined; agent: AgentSpec };
  agent?: AgentSpec | undefined;
  attempts?: AttemptsSpec | undefined;
  select?: SelectPolicy | undefined;
  /** A resume without `--attempts`: the interrupted best-of-N run's attempts count, by feature. */
  resumedAttempts?: ReadonlyMap<string, number> | undefined;
  /** A resume: the interrupted best-of-N run's selection rule, by feature. */
  resumedSelect?: ReadonlyMap<string, SelectPolicy> | undefined;
}

/** The run's units in plan order (a feature's attempts in place of it), and the best-of-N features' plans. */
export function planUnits(s: UnitSources): { units: WorkUnit[]; bestOfN: Map<string, AttemptPlan> } {
  const units: WorkUnit[] = [];
  const bestOfN = new Map<string, AttemptPlan>();
  for (const id of s.featureIds) {
    const contract = s.plan.byId.get(id)!;
    const plan = planAttempts({
      flag: s.attempts,
      selectFlag: s.select,
      agentFlag: s.agent,
      resumed: s.resumedAttempts?.get(id),
      resumedSelect: s.resumedSelect?.get(id),
      contract,
      config: s.config,
    });
    if (!isBestOfN(plan)) {
      units.push({ id, featureId: id, spec: plan.agents[0]! });
      continue;
    }
    bestOfN.set(id, plan);
    plan.agents.forEach((spec, i) => {
      units.push({ id: attemptUnitId(id, i + 1), featureId: id, attempt: i + 1, spec });
    });
  }
  return { units, bestOfN };
}

/** The contract a unit works to: the feature's own, or for an attempt a copy carrying the attempt's id. */
export function unitContract(plan: Plan, unitId: string): Contract {
  const parsed = parseAttemptUnitId(unitId);
  const contract = plan.byId.get(parsed?.featureId ?? unitId);
  if (!contract) throw new Error(`no contract for ${unitId}`);
  // Events, paths, ports, the agent's hooks and the checks' output files all key off `feature_id`.
  return parsed ? { ...contract, feature_id: unitId } : contract;
}
