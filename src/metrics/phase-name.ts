/**
 * The one rule for a phase's name (pure): `baton phase` records it and the config's `estimates` key it
 * in this form, so an estimate written `Planning` meets the phase recorded as `planning`.
 */

/** Phase names: a word that fits a table cell and a shell argument. */
export const PHASE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** A phase name as written, in the form it is recorded and looked up in: trimmed, lower case. */
export function normalPhaseName(raw: string): string {
  return raw.trim().toLowerCase();
}
