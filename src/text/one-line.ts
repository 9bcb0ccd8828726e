/**
 * A multi-line message (git's stderr, a user error) as one line for a status row or a log reason
 * (pure): the lines of a wrapped paragraph are joined with a space, and a new paragraph (after a
 * blank line) or a new `fatal:` / `error:` / `hint:`-style line is set off with ` / `.
 */
export function oneLine(text: string): string {
  const parts: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) parts.push(current.join(' '));
    current = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') flush();
    else {
      if (/^[a-z]+: /i.test(line)) flush();
      current.push(line);
    }
  }
  flush();
  return parts.join(' / ');
}

/**
 * A text as one short line (pure): every run of whitespace, newlines included, becomes one space, and
 * past `max` characters it is cut with `…`. For a value shown in a row or a reason (a check's message,
 * an agent's detail).
 */
export function clipLine(text: string, max = 200): string {
  return clipText(text.replace(/\s+/g, ' ').trim(), max);
}

/**
 * A text cut to at most `max` characters, the last one `…` when it was longer (pure); its whitespace and
 * newlines are kept. The cut `clipLine` makes, for multi-line text.
 */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The most of one string from outside Baton (a worker's check message, a hook's status) a line on the
 * terminal shows, in characters: such a string may be as long as a log line (1 MiB).
 */
export const MAX_SHOWN = 2000;

/**
 * A string from outside Baton as a printed line may show it (pure): past `MAX_SHOWN` characters it is
 * cut, and ends with `…` and its full length in bytes, so the cut is plain. The one rule for it.
 */
export function clipShown(text: string): string {
  // `clipText`'s cut, keeping MAX_SHOWN characters before its `…`.
  return text.length > MAX_SHOWN
    ? `${clipText(text, MAX_SHOWN + 1)} (${Buffer.byteLength(text, 'utf8')} bytes)`
    : text;
}
