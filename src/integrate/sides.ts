/**
 * Who a conflict was with, in words (pure): apart from `explain.ts` so that `status`, which names a
 * stopped integration's conflict, loads nothing of ownership or globs.
 */

/** How a conflict names the base it happened with: `main (the base)`, or just `the base` (pure). */
export function baseSide(name?: string): string {
  return name ? `${name} (the base)` : 'the base';
}

/**
 * Who changed a merge's conflicted files on the other side (pure): the already-merged features that
 * did, or, when none did, the base itself: the integration branch is the base plus those features,
 * so a conflict no merged feature took part in is with what the base changed since the branch was cut.
 */
export function otherSides(c: { with: readonly string[]; base?: string | undefined }): string[] {
  return c.with.length > 0 ? [...c.with] : [baseSide(c.base)];
}
