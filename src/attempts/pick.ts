/** `baton pick`: which commit `baton/<feature_id>` moves to when the conductor overrides best-of-N (pure). */
import type { BatonState } from '../log/state.js';

/** The commit to put on the feature's branch, and the attempt it held before; or why not. */
export type PickPlan =
  | { ok: true; commit: string; previous?: number | undefined }
  | { ok: false; code: string; message: string; hint: string };

/** Checks that `featureId` ran best-of-N and that attempt `attempt` left a commit to pick. */
export function planPick(state: BatonState, featureId: string, attempt: number): PickPlan {
  const f = Object.hasOwn(state.features, featureId) ? state.features[featureId] : undefined;
  const attempts = f?.attempts ? Object.values(f.attempts) : [];
  if (!f || attempts.length === 0) {
    return {
      ok: false,
      code: 'pick/no-attempts',
      message: `feature ${featureId} has no best-of-N attempts in the log`,
      hint: 'Run it with `baton run --attempts N` (or `attempts:` in its contract) first.',
    };
  }
  const numbers = attempts.map((a) => a.attempt).sort((a, b) => a - b);
  const chosen = f.attempts?.[String(attempt)];
  if (!chosen) {
    return {
      ok: false,
      code: 'pick/no-such-attempt',
      message: `feature ${featureId} has no attempt ${attempt}; its attempts are ${numbers.join(', ')}`,
      hint: `Pick one of ${numbers.join(', ')} (\`baton status\` lists them).`,
    };
  }
  if (!chosen.commit) {
    return {
      ok: false,
      code: 'pick/no-commit',
      message: `attempt ${attempt} of ${featureId} left no commit (${chosen.status}${chosen.reason ? `: ${chosen.reason}` : ''})`,
      hint: `Pick an attempt that finished with work: ${attempts
        .filter((a) => a.commit)
        .map((a) => a.attempt)
        .join(', ')}.`,
    };
  }
  return { ok: true, commit: chosen.commit, previous: f.winner?.attempt };
}
