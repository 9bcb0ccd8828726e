import type { Contract, Criterion } from '../contracts/schema.js';
import type { PlannedCriterion } from '../log/check-reason.js';
import type { CheckPlace } from '../log/event-fields.js';
import { criterionDigest } from './criterion-digest.js';
import { ownsCriterion } from './owns-criterion.js';

/**
 * The criteria of a contract that run at a place (pure): on a worktree, those not deferred to
 * integration, the implicit `owns` criterion first so an ownership failure is named before the rest;
 * on the integration branch, the `after: integration` ones; at `promotion` (the integration result,
 * before `--into` moves a branch), the worktree's criteria again that can be judged there: neither
 * the `owns` check nor `untouched_outside_owns`, which integrate re-derives from git per feature
 * (the result holds every merged feature's changes), nor an unverifiable one.
 */
export function criteriaFor(contract: Contract, on: CheckPlace): Criterion[] {
  const declared = contract.acceptance_criteria.filter(
    (c) => (c.after === 'integration') === (on === 'integration'),
  );
  if (on === 'promotion') return declared.flatMap(judgedOnTheResult);
  const owns = on === 'worktree' ? ownsCriterion(contract) : undefined;
  return owns ? [owns, ...declared] : declared;
}

/**
 * A contract's worktree criteria (or with `on`, its `after: integration` ones) as its checks' results
 * are matched to them (pure): id, kind, text and the digest of their definition (`criterionDigest`).
 * What `resultOf` takes, for integrate, `baton status`, the report and the dashboard alike.
 */
export function plannedCriteria(
  contract: Contract,
  on: 'worktree' | 'integration' = 'worktree',
): PlannedCriterion[] {
  return criteriaFor(contract, on).map((c) => ({
    id: c.id,
    kind: c.kind,
    text: c.text,
    digest: criterionDigest(contract, c),
  }));
}

/** A worktree criterion as it runs on the integration result, or none when nothing of it can. */
function judgedOnTheResult(c: Criterion): Criterion[] {
  if (c.kind === 'unverifiable') return [];
  if (c.kind !== 'files' || !c.files?.untouched_outside_owns) return [c];
  const { untouched_outside_owns: _, ...rest } = c.files;
  return (rest.exist?.length ?? 0) > 0 ? [{ ...c, files: rest }] : [];
}
