import type { Contract, Criterion } from '../contracts/schema.js';
import { ownsCriterion } from './owns-criterion.js';

/**
 * The criteria of a contract that run `on` a worktree or on the integration branch (pure); on a
 * worktree the implicit `owns` criterion comes first, so an ownership failure is named before the rest.
 */
export function criteriaFor(contract: Contract, on: 'worktree' | 'integration'): Criterion[] {
  const declared = contract.acceptance_criteria.filter(
    (c) => (c.after === 'integration') === (on === 'integration'),
  );
  const owns = on === 'worktree' ? ownsCriterion(contract) : undefined;
  return owns ? [owns, ...declared] : declared;
}
