/** Quotes one argument for a POSIX shell, leaving plain words (paths, flags) readable. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Joins an argv into one shell command line that runs exactly that argv. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
