/**
 * What every `git log` Baton parses passes before its own arguments, so the user's log config cannot
 * change what Baton reads: `--no-show-signature` keeps `log.showSignature`'s verification text out of
 * the format (with signed commits it came before each header, and the history read found no commits).
 */
export const PARSED_LOG_FLAGS: readonly string[] = ['--no-show-signature'];

/** A `git log` whose output Baton parses: `PARSED_LOG_FLAGS`, then `args`. */
export function logArgs(...args: string[]): string[] {
  return ['log', ...PARSED_LOG_FLAGS, ...args];
}
