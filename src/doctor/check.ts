/** The outcome of one doctor check: `fail` makes `baton doctor` exit 1, `warn` does not. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of `baton doctor`: what was checked, how it went, what was seen, and what to do. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

/** Whether a version (e.g. [2, 39, 5]) is at least `min` (e.g. [2, 38]), comparing part by part. */
export function versionAtLeast(version: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const v = version[i] ?? 0;
    const m = min[i] ?? 0;
    if (v !== m) return v > m;
  }
  return true;
}

/** A check built from its parts, leaving out an empty hint. */
export function check(name: string, status: CheckStatus, detail: string, hint?: string): DoctorCheck {
  return { name, status, detail, ...(hint ? { hint } : {}) };
}
