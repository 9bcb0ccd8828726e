/**
 * A feature whose checks failed and whose branch has moved since (a fix committed on it after the
 * failed check): `baton verify` checks the branch as it is now, so that, not a rerun of its agent, is
 * what integrate names for it (pure).
 */
import { featureBranch } from '../git/refs.js';
import type { FeatureState } from '../log/fold.js';

/**
 * Whether a feature's checks failed on another commit than its branch's `tip` now. Never for a
 * best-of-N winner: verify checks the winner's own branch, which a commit on `baton/<id>` does not move.
 */
export function movedSinceFailedChecks(
  f: FeatureState | undefined,
  tip: string | undefined,
): f is FeatureState & { commit: string } {
  return (
    f?.status === 'failed-checks' &&
    f.winner === undefined &&
    f.commit !== undefined &&
    tip !== undefined &&
    tip !== f.commit
  );
}

/** What its "not merged" reason adds: the branch moved since its checks failed, and to run verify. */
export function movedSinceFailureWords(id: string, tip: string, failedOn: string): string {
  return `${featureBranch(id)} has moved to ${tip.slice(0, 10)} since its checks failed on ${failedOn.slice(0, 10)}: run \`baton verify ${id}\``;
}

/** The next step for such features, as a clause: verify, which checks their branches as they are now. */
export function verifyMovedHint(ids: readonly string[]): string {
  const one = ids.length === 1;
  return `run \`baton verify ${ids.join(' ')}\` (${one ? 'its branch' : 'their branches'} moved since ${one ? 'its' : 'their'} checks failed: verify checks ${one ? 'it as it is' : 'them as they are'} now), then integrate again`;
}
