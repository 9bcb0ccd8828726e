/** The longest feature id: it becomes a branch, a folder and part of longer paths (NAME_MAX is 255). */
export const MAX_FEATURE_ID_LENGTH = 100;

/** The characters of a feature id, whatever its length: lowercase letters, digits and dashes. */
export const FEATURE_ID_CHARS = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Feature ids become branch and folder names, so they are restricted to this shape: lowercase
 * letters, digits and dashes (`FEATURE_ID_CHARS`), at most `MAX_FEATURE_ID_LENGTH` characters.
 */
export const FEATURE_ID_PATTERN = new RegExp(
  `^(?=.{1,${MAX_FEATURE_ID_LENGTH}}$)${FEATURE_ID_CHARS.source.slice(1)}`,
);

/** The id of one best-of-N attempt as a unit of work: `<feature_id>.a<n>` (feature ids hold no '.'). */
export function attemptUnitId(featureId: string, attempt: number): string {
  return `${featureId}.a${attempt}`;
}

/**
 * The feature and attempt number an attempt unit id names, or undefined for a plain feature id (pure).
 * The number has at most six digits, so a unit id stays within a few characters of a feature id's 100.
 */
export function parseAttemptUnitId(id: string): { featureId: string; attempt: number } | undefined {
  const m = /^(.+)\.a([1-9]\d{0,5})$/.exec(id);
  const attempt = Number(m?.[2]);
  return m && Number.isSafeInteger(attempt) ? { featureId: m[1] ?? '', attempt } : undefined;
}

/**
 * A unit id in words, for messages (pure): `attempt 2 of feature api` for a best-of-N attempt's
 * `<feature_id>.a<n>`, `feature api` for any other id; `quote` puts the feature id in quotes (an id the
 * user typed, maybe wrong). Untrusted: the caller escapes it as it prints it.
 */
export function unitWords(id: string, options: { quote?: boolean } = {}): string {
  const unit = parseAttemptUnitId(id);
  const shown = (s: string) => (options.quote ? `"${s}"` : s);
  return unit ? `attempt ${unit.attempt} of feature ${shown(unit.featureId)}` : `feature ${shown(id)}`;
}

/** The feature a unit id belongs to: its own id, or the feature of a best-of-N attempt's `<id>.a<n>`. */
export function featureOfUnit(id: string): string {
  return parseAttemptUnitId(id)?.featureId ?? id;
}

/**
 * Unit ids `isUnitId` has found valid: a log names the same few ids on every line, and its reader asks
 * about each. Bounded, so a log of ever-new ids cannot grow it without end.
 */
const VALID_UNIT_IDS = new Set<string>();
const MAX_REMEMBERED_IDS = 10_000;
/** The id `isUnitId` found valid last. */
let lastValid: string | undefined;

/** Whether `id` names a unit of work (pure): a feature id, or a best-of-N attempt of one (`<feature_id>.a<n>`). */
export function isUnitId(id: string): boolean {
  // A log names the same unit on many lines in a row: comparing costs less than hashing a fresh string.
  if (id === lastValid || VALID_UNIT_IDS.has(id)) {
    lastValid = id;
    return true;
  }
  // An attempt's id holds a '.', which a feature id never does.
  const attempt = id.includes('.') ? parseAttemptUnitId(id) : undefined;
  if (!FEATURE_ID_PATTERN.test(attempt?.featureId ?? id)) return false;
  if (VALID_UNIT_IDS.size >= MAX_REMEMBERED_IDS) VALID_UNIT_IDS.clear();
  VALID_UNIT_IDS.add(id);
  lastValid = id;
  return true;
}

/**
 * Who a unit's processes are working for (pure): `BATON_FEATURE_ID` is always the feature's id (as the
 * README promises, and the same in the run's checks as in `baton verify`); a best-of-N attempt adds
 * `BATON_ATTEMPT=<n>`. `BATON_UNIT_ID` is the unit (`<id>` or `<id>.a<n>`): what `baton hook` and the
 * straggler sweep attribute a process to.
 */
export function unitEnvironment(unitId: string): Record<string, string> {
  const attempt = parseAttemptUnitId(unitId);
  return {
    BATON_FEATURE_ID: attempt?.featureId ?? unitId,
    BATON_UNIT_ID: unitId,
    ...(attempt ? { BATON_ATTEMPT: String(attempt.attempt) } : {}),
  };
}
