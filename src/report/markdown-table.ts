/** The markdown report's tables: cells escaped, columns padded so the text reads as a table too. */
import { escapeControl } from '../text/escape.js';
import { markdownText } from '../text/markdown-code.js';

/** A cell this renderer wrote as markdown from escaped parts (`**…**`, a code span): kept as it is. */
export interface Markdown {
  md: string;
}

/** A table cell: plain text escaped (`markdownText`), control characters escaped before the columns are measured, pipes escaped. */
function cell(c: string | Markdown): string {
  const md = typeof c === 'string' ? markdownText(c) : c.md;
  return escapeControl(md.replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');
}

/** Columns are padded to their widest cell up to this many characters (markdown tables need no padding at all). */
const PADDED_WIDTH = 160;

/** A table padded to column width, so the markdown reads as a table before it is rendered too. */
export function table(
  head: string[],
  align: Array<'l' | 'r'>,
  rows: Array<Array<string | Markdown>>,
): string[] {
  const all = [head.map((h) => cell({ md: h })), ...rows.map((r) => r.map(cell))];
  // A cell wider than PADDED_WIDTH (a reason the log made huge) is written as it is, no other padded to it.
  const widths = head.map((_, i) =>
    Math.max(3, ...all.map((r) => Math.min(PADDED_WIDTH, [...(r[i] ?? '')].length))),
  );
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...s].length));
    return align[i] === 'r' ? fill + s : s + fill;
  };
  const line = (r: string[]) => `| ${r.map(pad).join(' | ')} |`;
  const rule = widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(all[0] ?? []), `| ${rule.join(' | ')} |`, ...all.slice(1).map(line)];
}
