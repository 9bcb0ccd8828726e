import { hasControl } from '../text/escape.js';

/** Quotes one argument for a POSIX shell, leaving plain words (paths, flags) readable. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Joins an argv into one shell command line that runs exactly that argv. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/**
 * Quotes one argument for a command printed for a person to copy: as `quoteArg`, except that a
 * name holding control characters (those `escapeControl` shows escaped) is written `$'…'` (bash, zsh, ksh and POSIX sh of 2024) with each
 * of them as its UTF-8 bytes `\xNN`, so the printed line neither acts on the terminal nor stops
 * being the command that names that very file.
 */
export function printableArg(arg: string): string {
  if (!hasControl(arg)) return quoteArg(arg);
  let out = '';
  for (const c of arg) {
    if (c === '\\' || c === "'") out += `\\${c}`;
    else if (hasControl(c)) {
      for (const b of Buffer.from(c, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else out += c;
  }
  return `$'${out}'`;
}
