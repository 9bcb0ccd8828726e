/** Newlines as spaces: a value from the log never starts a line of its own (a heading, a block of HTML). */
export function newlinesAsSpaces(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ');
}

/**
 * Untrusted text as a markdown code span, fenced by more backticks than it holds: shown as typed,
 * never as markup (pure). The report's tables and its diagnosis sentences both write code this way.
 */
export function markdownCode(raw: string): string {
  const s = newlinesAsSpaces(raw);
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const pad = longest > 0 ? ' ' : '';
  return `${'`'.repeat(longest + 1)}${pad}${s}${pad}${'`'.repeat(longest + 1)}`;
}

/**
 * `s` with `escapePlain` applied to all but its code spans, found as CommonMark finds them: a run of
 * backticks not escaped by a backslash, closed by the next run of the same length. Inside one, `<`, `&`
 * and `[` are text already (no tag, no entity, no link) and a backslash would show; an opening run
 * never closed is text, escaped with the rest.
 */
export function outsideCodeSpans(s: string, escapePlain: (plain: string) => string): string {
  let out = '';
  let from = 0;
  let at = 0;
  while (at < s.length) {
    const open = s.indexOf('`', at);
    if (open < 0) break;
    const n = runLength(s, open);
    if (backslashesBefore(s, open) % 2 === 1) {
      at = open + n;
      continue;
    }
    const close = closingRun(s, open + n, n);
    if (close < 0) {
      at = open + n;
      continue;
    }
    out += escapePlain(s.slice(from, open)) + s.slice(open, close + n);
    from = close + n;
    at = from;
  }
  return out + escapePlain(s.slice(from));
}

/** How many backticks run from `at`. */
function runLength(s: string, at: number): number {
  let n = 0;
  while (s[at + n] === '`') n++;
  return n;
}

/** How many backslashes stand right before `at`. */
function backslashesBefore(s: string, at: number): number {
  let n = 0;
  while (s[at - 1 - n] === '\\') n++;
  return n;
}

/** Where the next run of exactly `n` backticks from `at` starts, or -1. */
function closingRun(s: string, at: number, n: number): number {
  for (let i = s.indexOf('`', at); i >= 0; ) {
    const run = runLength(s, i);
    if (run === n) return i;
    i = s.indexOf('`', i + run);
  }
  return -1;
}

/**
 * Untrusted text (ids, reasons, paths, agent names from the log) as markdown that renders as itself:
 * no HTML tag or entity, no link, no code span. The one escape for every such value.
 */
export function markdownText(s: string): string {
  return newlinesAsSpaces(s).replace(/[\\`[\]<>&]/g, (c) => `\\${c}`);
}
