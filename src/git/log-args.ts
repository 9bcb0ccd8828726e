/**
 * What every `git log` Baton parses passes before its own arguments, so the user's log config cannot
 * change what Baton reads: `--no-show-signature` keeps `log.showSignature`'s verification text out of
 * the format (with signed commits it came before each header, and the history read found no commits);
 * `--root` lists the root commit's files even under `log.showRoot=false`; `--encoding=UTF-8` gives
 * messages in the encoding Baton decodes, whatever `i18n.logOutputEncoding` says.
 */
export const PARSED_LOG_FLAGS: readonly string[] = ['--no-show-signature', '--root', '--encoding=UTF-8'];

/** A `git log` whose output Baton parses: `PARSED_LOG_FLAGS`, then `args`. */
export function logArgs(...args: string[]): string[] {
  return ['log', ...PARSED_LOG_FLAGS, ...args];
}
