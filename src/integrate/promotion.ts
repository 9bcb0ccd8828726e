/**
 * The last gate before `--into` moves a branch of the user's: every merged feature's own criteria
 * run again, on the integration result that is to be promoted. The log's `check.passed` lines that
 * let a feature merge are anyone's to write (an agent, any process of the user's); what runs here is
 * Baton's own judgement of the very commit the branch will point at.
 */
import { criteriaFor } from '../checks/criteria.js';
import { escapeControl } from '../text/escape.js';
import { clipLine } from '../text/one-line.js';
import { unitPortBlock } from '../unit-ports.js';
import { contractOf, interrupted, type Session } from './session.js';
import { AFTER_INTEGRATION_CRITERIA, type LeftBehind, leftBehind, type Runner } from './test-after.js';

/** What running the merged features' criteria again on the result found. */
export interface Promotion {
  /** Criteria that failed there, in the order they ran. */
  failed: Array<{ feature_id: string; criterion_id: string; message: string }>;
  /** Criteria that ran. */
  ran: number;
  /** Ctrl-C stopped them: the result was not judged. */
  interrupted?: true;
  /** What they left in the integration (a commit, changes): it is no merge Baton made and tested. */
  left?: LeftBehind;
  /** Why they could not run at all (no check runner: integrate called as a library). */
  notRun?: string;
}

/** The criteria run again before `--into`, in the words of `leftBehind`. */
const PROMOTION_CRITERIA: Runner = {
  ...AFTER_INTEGRATION_CRITERIA,
  name: "the features' criteria, run again on the result",
};

/**
 * Runs each merged feature's worktree criteria (`criteriaFor(…, 'promotion')`) in the integration
 * worktree, one feature after another on its own port block, and what they left behind.
 */
export async function promotionChecks(session: Session): Promise<Promotion> {
  const out: Promotion = { failed: [], ran: 0 };
  const runChecks = session.s.runChecks;
  for (const id of session.merged) {
    if (interrupted(session)) return { ...out, interrupted: true };
    const feature = contractOf(session.s.plan, id);
    if (criteriaFor(feature, 'promotion').length === 0) continue;
    if (!runChecks) return { ...out, notRun: `${id}'s criteria could not run again (no check runner)` };
    const tally = await runChecks({
      feature,
      cwd: session.worktree,
      port: unitPortBlock(session.s.plan, id, session.s.portBase).port,
      on: 'promotion',
      ...(session.s.signal ? { signal: session.s.signal } : {}),
      ...(session.marks ? { marks: session.marks } : {}),
    });
    if (interrupted(session)) return { ...out, interrupted: true };
    out.ran += tally.passed + tally.failed;
    for (const f of tally.failures ?? []) out.failed.push({ feature_id: id, ...f });
  }
  const left = out.ran > 0 ? await leftBehind(session, PROMOTION_CRITERIA) : undefined;
  return left ? { ...out, left } : out;
}

/** Why the branch stays after the criteria ran again, or undefined when they all held (pure). */
export function promotionRefusal(p: Promotion): string | undefined {
  if (p.notRun) return p.notRun;
  if (p.left) return p.left.reason;
  if (p.failed.length === 0) return undefined;
  const list = p.failed
    .slice(0, 5)
    .map(
      (f) => `${f.feature_id} ${escapeControl(f.criterion_id)} (${escapeControl(clipLine(f.message, 300))})`,
    )
    .join('; ');
  const more = p.failed.length > 5 ? `; and ${p.failed.length - 5} more` : '';
  return `criteria that passed on the features' branches failed when run again on the result: ${list}${more}`;
}
