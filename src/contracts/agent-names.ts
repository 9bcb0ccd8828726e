import { agentNameProblem } from '../agents/names.js';
import type { Diagnostic } from '../errors.js';
import { type Emit, formatPath, type Path } from './issues.js';
import type { AgentSpec, AttemptsSpec } from './schema.js';

/**
 * Errors for each agent a contract names that Baton has no adapter for (`agent:` and each of
 * `attempts:`), at the field that names it (pure): such a feature could never start, so the contract
 * is refused where it is read, naming the feature, rather than by the run once it has begun.
 */
export function agentNameErrors(
  featureId: string,
  fields: { agent?: AgentSpec | undefined; attempts?: AttemptsSpec | undefined },
  emit: Emit,
): Diagnostic[] {
  const named: Array<{ path: Path; spec: AgentSpec }> = [];
  if (fields.agent !== undefined) named.push({ path: ['agent'], spec: fields.agent });
  if (Array.isArray(fields.attempts))
    fields.attempts.forEach((spec, i) => {
      named.push({ path: ['attempts', i], spec });
    });
  return named.flatMap(({ path, spec }) => {
    if (typeof spec === 'object' && 'command' in spec) return [];
    const where = typeof spec === 'string' ? path : [...path, 'name'];
    const problem = agentNameProblem(typeof spec === 'string' ? spec : spec.name);
    if (!problem) return [];
    return [
      emit(
        'contract/unknown-agent',
        `${formatPath(where)} of ${featureId}: ${problem.message}`,
        where,
        problem.hint,
      ),
    ];
  });
}
