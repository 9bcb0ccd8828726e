/** An argument quoted for a POSIX shell script Baton runs: inside single quotes every byte is literal. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}
