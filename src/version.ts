/**
 * The one version reader: the first `x.y[.z]` (with a pre-release or build suffix) in a program's
 * `--version` output. Doctor compares git's as numbers; the agents list shows the text.
 */

/** Pulls a version (`2.1.197`, `0.61.0-preview.1`) out of a `--version` output, or undefined. */
export function parseVersion(output: string): string | undefined {
  return /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(output)?.[0];
}

/** The numeric parts of a version found in `text` (`[2, 39, 5]`), or undefined. */
export function versionNumbers(text: string): number[] | undefined {
  const found = parseVersion(text);
  if (found === undefined) return undefined;
  const [major, minor, patch] = found.split(/[-+]/)[0]!.split('.').map(Number);
  return [major ?? 0, minor ?? 0, patch ?? 0];
}
