/**
 * The ownership check of a queued feature, run by the orchestrator itself on the commit it promotes.
 * A worker's checks are its word (it may be another person's machine, or an agent's own "worker"
 * taking jobs and lying); what the orchestrator can decide from the commit alone, which files it
 * changed since the run's base, it decides here, by the local runner's rule (`runFilesCheck`, the
 * `owns` criterion and its `owns_policy`), and records as a check run on this machine.
 */
import { criteriaFor } from '../checks/criteria.js';
import { runFilesCheck } from '../checks/files-check.js';
import { checkEventOf } from '../checks/judge.js';
import { applyOwnsPolicy, OWNS_CRITERION_ID } from '../checks/owns-criterion.js';
import type { Contract } from '../contracts/schema.js';
import type { NewEvent } from '../log/events.js';

/** What the orchestrator found of a feature's ownership: the check events to record, and the failures. */
export interface OwnsHere {
  events: NewEvent[];
  failures: Array<{ criterion_id: string; message: string }>;
}

/**
 * The contract's ownership criteria (the implicit `owns`, or one of its own with
 * `untouched_outside_owns`) judged on what `commit` changed since `base` (the run's), diffed as `baton
 * verify` diffs a feature's branch. A criterion that also asks for files to exist needs a checkout to pass, so it is recorded only
 * when its ownership part fails; otherwise the worker's result for it stands, as the worker's word.
 */
export async function checkOwnsHere(
  root: string,
  contract: Contract,
  base: string,
  commit: string,
): Promise<OwnsHere> {
  const out: OwnsHere = { events: [], failures: [] };
  for (const c of criteriaFor(contract, 'worktree')) {
    if (c.kind !== 'files' || c.files?.untouched_outside_owns !== true) continue;
    const judged = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: root,
      owns: contract.owns,
      diff: { base, branch: commit },
    });
    const verdict = c.id === OWNS_CRITERION_ID ? applyOwnsPolicy(judged, contract) : judged;
    const partial = (c.files.exist ?? []).length > 0;
    if (partial && verdict.outcome !== 'failed') continue;
    if (verdict.outcome === 'failed') out.failures.push({ criterion_id: c.id, message: verdict.message });
    out.events.push({ ...checkEventOf(contract, c, verdict, 'worktree'), commit });
  }
  return out;
}
