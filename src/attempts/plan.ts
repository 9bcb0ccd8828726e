/**
 * Best-of-N planning (pure): how many attempts a feature gets, which agent each runs, and how the
 * winner is chosen, from the flag, the contract and the config, in that order.
 */
import type { AgentSpec, AttemptsSpec, Contract, SelectPolicy } from '../contracts/schema.js';
import { MAX_ATTEMPTS } from '../contracts/schema.js';
import type { FeatureState } from '../log/state.js';

/** A feature's attempts: one agent per attempt (one entry: a plain run), and the selection rule. */
export interface AttemptPlan {
  agents: AgentSpec[];
  select: SelectPolicy;
}

/** Where the attempts setting may come from, most specific first. */
export interface AttemptSources {
  /** `--attempts`. */
  flag?: AttemptsSpec | undefined;
  /** `--select`. */
  selectFlag?: SelectPolicy | undefined;
  /** `--agent`: every attempt runs it, whatever the lists say. */
  agentFlag?: AgentSpec | undefined;
  /** The attempts count of the interrupted best-of-N run a resume continues (read from the log). */
  resumed?: number | undefined;
  /** The selection rule of the interrupted best-of-N run a resume continues (read from the log). */
  resumedSelect?: SelectPolicy | undefined;
  contract: Pick<Contract, 'attempts' | 'select' | 'agent'>;
  config: { attempts?: AttemptsSpec | undefined; select?: SelectPolicy | undefined; agent: AgentSpec };
}

/**
 * The attempts of one feature (pure): `--attempts` > the interrupted run's count (a resume) > contract
 * `attempts` > config `attempts` > one. The interrupted run's count keeps the configured agents when
 * they are as many; otherwise each attempt runs the feature's agent. A contract that names its own
 * `agent` keeps it over the agents a config `attempts` list names: the list gives the count. The rule
 * likewise: `--select` > the interrupted run's > contract > config > `best`.
 */
export function planAttempts(s: AttemptSources): AttemptPlan {
  const agent = s.agentFlag ?? s.contract.agent ?? s.config.agent;
  const fromConfig = s.config.attempts;
  const configured =
    s.contract.attempts ??
    (Array.isArray(fromConfig) && s.contract.agent !== undefined ? fromConfig.length : fromConfig);
  const sameCount = Array.isArray(configured) && configured.length === s.resumed;
  const spec = s.flag ?? (sameCount ? configured : s.resumed) ?? configured ?? 1;
  const agents = typeof spec === 'number' ? Array.from({ length: spec }, () => agent) : [...spec];
  return {
    agents: s.agentFlag !== undefined ? agents.map(() => s.agentFlag as AgentSpec) : agents,
    select: s.selectFlag ?? s.resumedSelect ?? s.contract.select ?? s.config.select ?? 'best',
  };
}

/** Whether a plan is best-of-N (two attempts or more) rather than a plain run. */
export function isBestOfN(plan: AttemptPlan): boolean {
  return plan.agents.length > 1;
}

/**
 * Reads `--attempts`: a whole number (`3`) or agents separated by commas (`claude,codex`); an
 * error message when it is neither or asks for more than `MAX_ATTEMPTS` (pure).
 */
export function parseAttemptsFlag(
  text: string,
): { ok: true; value: AttemptsSpec } | { ok: false; message: string } {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= MAX_ATTEMPTS) return { ok: true, value: n };
    return { ok: false, message: `--attempts must be between 1 and ${MAX_ATTEMPTS}, got ${t}` };
  }
  const agents = t
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (agents.length === 0)
    return { ok: false, message: `--attempts wants a number or agents (claude,codex), got "${text}"` };
  if (agents.length > MAX_ATTEMPTS)
    return { ok: false, message: `--attempts names ${agents.length} agents; at most ${MAX_ATTEMPTS}` };
  return { ok: true, value: agents };
}

/**
 * Best-of-N features a run left undecided (pure): no winner, not complete, with attempts in the log or
 * planned by its `run.started`; each with how many attempts that run had: the count its `run.started`
 * recorded, else the highest attempt the log names (at most `MAX_ATTEMPTS`).
 */
export function undecidedAttemptCounts(
  state: { features: Readonly<Record<string, FeatureState>> },
  featureIds: readonly string[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of featureIds) {
    const f = undecidedFeature(state, id);
    if (!f) continue;
    // The run's own count bounds it where its `run.started` recorded one: a line naming a higher
    // attempt is no reason to start more agents than the run had.
    const count = f.planned_attempts ?? Math.max(0, ...Object.values(f.attempts ?? {}).map((a) => a.attempt));
    if (Number.isInteger(count) && count >= 2) out.set(id, Math.min(count, MAX_ATTEMPTS));
  }
  return out;
}

/**
 * The selection rule each undecided best-of-N feature's run recorded (pure): what a resume keeps. A log
 * older than the record has none, and the feature takes its rule as a fresh run does.
 */
export function undecidedSelects(
  state: { features: Readonly<Record<string, FeatureState>> },
  featureIds: readonly string[],
): Map<string, SelectPolicy> {
  const out = new Map<string, SelectPolicy>();
  for (const id of featureIds) {
    const select = undecidedFeature(state, id)?.planned_select;
    if (select !== undefined) out.set(id, select);
  }
  return out;
}

/** A feature of the log whose best-of-N has no winner yet and that did not end complete. */
function undecidedFeature(
  state: { features: Readonly<Record<string, FeatureState>> },
  id: string,
): FeatureState | undefined {
  const f = Object.hasOwn(state.features, id) ? state.features[id] : undefined;
  if (!f || f.winner !== undefined || f.attempts_superseded || f.status === 'complete') return undefined;
  return f;
}
