/**
 * Which tmux window belongs to which feature, read from the log: the session is `baton-<run_id>` of
 * the run that started the feature, the window is named after the feature (pure).
 */
import { UserError } from '../errors.js';
import { type BatonState, type FeatureState, featureAt } from '../log/fold.js';
import { escapeControl, hasControl } from '../text/escape.js';
import { sessionName } from './tmux.js';

/** A feature's window as a tmux target (`=session:=window`). */
export interface FeatureWindow {
  featureId: string;
  session: string;
  target: string;
}

/** The window of a feature, or a user error saying why there is none. */
export function featureWindow(state: BatonState, featureId: string): FeatureWindow {
  const f: FeatureState | undefined = featureAt(state, featureId);
  const runId = f?.run_id ?? state.run_id;
  if (!f || !runId) {
    // A typo of a running feature's id is the usual cause: the ids the last run started are named.
    const known = Object.keys(state.features);
    const ids = known.length > 0 ? `; known ids: ${known.join(', ')}` : '';
    throw new UserError('interactive/unknown-feature', `no run has started feature "${featureId}"${ids}`, {
      hint:
        known.length > 0
          ? 'Name one of them; `baton status` lists the features.'
          : 'Start it with `baton run --interactive`; `baton status` lists the features.',
      exitCode: 2,
    });
  }
  const session = sessionName(runId);
  return { featureId, session, target: `=${session}:=${featureId}` };
}

/** The first feature that needs input, in the run's order, or undefined. */
export function firstNeedingInput(state: BatonState): string | undefined {
  const order = [...state.run_feature_ids, ...Object.keys(state.features)];
  return order.find((id) => featureAt(state, id)?.status === 'needs-input');
}

/**
 * Why `text` cannot be typed as a message (pure): a control character would reach the agent as a key,
 * not as text (Ctrl-C stops it, a newline submits half a message); undefined when it can.
 */
export function untypeable(text: string): string | undefined {
  if (!hasControl(text)) return undefined;
  const first = [...text].find((c) => hasControl(c)) ?? '';
  return `it holds a control character (${escapeControl(first)}), which the agent would take as a key, not as text`;
}

/** Reduces a typed message to what the log keeps: one line, at most 200 characters (pure). */
export function interventionText(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}
