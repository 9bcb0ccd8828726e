/**
 * Which tmux window belongs to which feature or best-of-N attempt, read from the log: the session is
 * `baton-<run_id>` of the run that started the unit, the window is named after the unit (pure).
 */

import { featureOfUnit, parseAttemptUnitId, unitWords } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { type BatonState, type FeatureState, featureAt, unitAt } from '../log/fold.js';
import { escapeControl, hasControl } from '../text/escape.js';
import { sessionName } from './tmux.js';

/** A unit's window as a tmux target (`=session:=window`): a feature's, or a best-of-N attempt's. */
export interface FeatureWindow {
  featureId: string;
  session: string;
  target: string;
}

/**
 * Whether the agent of unit `unitId` answers to the id the user gave (pure): an attempt's id
 * (`<feature_id>.a<n>`) names that attempt alone; a feature's id names the feature's own agent and
 * those of its best-of-N attempts (`featureOfUnit`).
 */
export function answersTo(given: string, unitId: string): boolean {
  return unitId === given || (parseAttemptUnitId(given) === undefined && featureOfUnit(unitId) === given);
}

/** The units the last run started, as `baton send`/`attach` take them: features and best-of-N attempts. */
function knownUnits(state: BatonState): string[] {
  return [...Object.keys(state.features), ...Object.keys(state.attempt_units ?? {})];
}

/** The best-of-N attempts of a feature the last run started (`<feature_id>.a<n>`), in attempt order (pure). */
function startedAttempts(state: BatonState, featureId: string): string[] {
  return Object.keys(state.attempt_units ?? {})
    .filter((u) => featureOfUnit(u) === featureId)
    .sort((a, b) => (parseAttemptUnitId(a)?.attempt ?? 0) - (parseAttemptUnitId(b)?.attempt ?? 0));
}

/**
 * The error for an attempt id (`<feature_id>.a<n>`) the last run did not start, of a feature among
 * `known` (pure): it names the attempts the feature has, rather than calling the feature unknown.
 * Undefined for any other id. The one rule of `baton send`, `attach` (`featureWindow`) and `stop`.
 */
export function missingAttemptError(
  state: BatonState,
  id: string,
  known: readonly string[],
): UserError | undefined {
  const unit = parseAttemptUnitId(id);
  if (!unit || unitAt(state, id) || !known.includes(unit.featureId)) return undefined;
  const feature = escapeControl(unit.featureId);
  const attempts = startedAttempts(state, unit.featureId).map((a) => escapeControl(a));
  const has =
    attempts.length > 0
      ? `its attempts are ${attempts.join(', ')}`
      : 'the last run started no best-of-N attempts of it';
  return new UserError(
    'interactive/unknown-attempt',
    `no attempt ${unit.attempt} of feature ${feature}: ${has}`,
    {
      hint:
        attempts.length > 0
          ? `Name one of them, or the feature (${feature}) for its attempts; \`baton status\` lists them.`
          : `Name the feature (${feature}); \`baton status\` lists its state.`,
      exitCode: 2,
    },
  );
}

/** The run whose session holds a unit's window: the run that started it, else its feature's, else the last. */
export function unitRunId(state: BatonState, unitId: string): string | undefined {
  return unitAt(state, unitId)?.run_id ?? featureAt(state, featureOfUnit(unitId))?.run_id ?? state.run_id;
}

/** The window of a feature or attempt unit, or a user error saying why there is none. */
export function featureWindow(state: BatonState, featureId: string): FeatureWindow {
  const f: FeatureState | undefined = unitAt(state, featureId);
  const runId = unitRunId(state, featureId);
  if (!f || !runId) {
    const known = knownUnits(state);
    const attempt = missingAttemptError(state, featureId, known);
    if (attempt) throw attempt;
    // A typo of a running feature's id is the usual cause: the ids the last run started are named.
    const ids = known.length > 0 ? `; known ids: ${known.map((k) => escapeControl(k)).join(', ')}` : '';
    throw new UserError(
      'interactive/unknown-feature',
      `no run has started ${escapeControl(unitWords(featureId, { quote: true }))}${ids}`,
      {
        hint:
          known.length > 0
            ? 'Name one of them; `baton status` lists the features.'
            : 'Start it with `baton run --interactive`; `baton status` lists the features.',
        exitCode: 2,
      },
    );
  }
  const session = sessionName(runId);
  return { featureId, session, target: `=${session}:=${featureId}` };
}

/** The first unit that needs input, in the run's order (a feature, then its attempts), or undefined. */
export function firstNeedingInput(state: BatonState): string | undefined {
  const order = [...state.run_feature_ids, ...Object.keys(state.features)].flatMap((id) => [
    id,
    ...startedAttempts(state, id),
  ]);
  return order.find((id) => unitAt(state, id)?.status === 'needs-input');
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
