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
