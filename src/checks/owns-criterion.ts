import type { Contract, Criterion } from '../contracts/schema.js';
import type { CheckVerdict } from './judge.js';

/** The id of the ownership criterion every feature with `owns` gets. */
export const OWNS_CRITERION_ID = 'owns';

/**
 * The implicit criterion `owns` (kind files) of a feature that declares owned paths: a change
 * outside them fails it, or only warns with `owns_policy: warn`. None when the contract has no
 * `owns`, or already checks ownership itself (a criterion with that id or `untouched_outside_owns`).
 */
export function ownsCriterion(contract: Contract): Criterion | undefined {
  if (contract.owns.length === 0) return undefined;
  const explicit = contract.acceptance_criteria.some(
    (c) => c.id === OWNS_CRITERION_ID || c.files?.untouched_outside_owns === true,
  );
  if (explicit) return undefined;
  const warn = contract.owns_policy === 'warn';
  return {
    id: OWNS_CRITERION_ID,
    text: warn
      ? 'changes stay inside owns (owns_policy: warn: a change outside is reported, not failed)'
      : 'changes stay inside owns',
    kind: 'files',
    files: { untouched_outside_owns: true },
  };
}

/** Applies `owns_policy: warn` to the ownership verdict: a failure becomes a pass that says so (pure). */
export function applyOwnsPolicy(verdict: CheckVerdict, contract: Contract): CheckVerdict {
  if (contract.owns_policy !== 'warn' || verdict.outcome !== 'failed') return verdict;
  return { ...verdict, outcome: 'passed', message: `warning: ${verdict.message} (owns_policy: warn)` };
}
