/**
 * The one rule for printing strings Baton did not write (feature ids, messages, paths and output
 * from the log, agents, commits or tests): a control character never reaches the user's terminal
 * or a JSON consumer raw. Every printer of untrusted text goes through these three functions.
 */

/**
 * What counts as a control character: C0 (tab and newline included), DEL, C1 (U+0080–U+009F, among
 * them CSI U+009B), the line and paragraph separators U+2028/2029, and every bidi control (Unicode's
 * Bidi_Control: the marks ALM U+061C, LRM U+200E and RLM U+200F, the embeddings, overrides and
 * isolates) that reorders what a line appears to say.
 */
const WIDE = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** C0 but what an option keeps: `\n` (keepNewlines), `\t` (keepTabs), or both. */
const C0 = {
  none: '\\u0000-\\u001f',
  newlines: '\\u0000-\\u0009\\u000b-\\u001f',
  tabs: '\\u0000-\\u0008\\u000a-\\u001f',
  both: '\\u0000-\\u0008\\u000b-\\u001f',
};
const CONTROL = {
  none: new RegExp(`[${C0.none}${WIDE}]`, 'g'),
  newlines: new RegExp(`[${C0.newlines}${WIDE}]`, 'g'),
  tabs: new RegExp(`[${C0.tabs}${WIDE}]`, 'g'),
  both: new RegExp(`[${C0.both}${WIDE}]`, 'g'),
};
const HAS_CONTROL = new RegExp(`[\\u0000-\\u001f${WIDE}]`);
/** What `JSON.stringify` leaves raw among the characters above (it escapes C0 itself). */
const JSON_RAW = new RegExp(`[${WIDE}]`, 'g');

const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Shows the control characters of an untrusted string as `\x1b`, `\r`, `\u2028`… so it cannot move
 * the cursor, clear the screen, open a hyperlink or reorder the line; `keepNewlines` leaves `\n`
 * alone for multi-line text, `keepTabs` leaves `\t` alone for text shown as it is indented (a diff).
 */
export function escapeControl(
  text: string,
  options: { keepNewlines?: boolean; keepTabs?: boolean } = {},
): string {
  const kept = options.keepNewlines
    ? options.keepTabs
      ? 'both'
      : 'newlines'
    : options.keepTabs
      ? 'tabs'
      : 'none';
  return text.replace(CONTROL[kept], escapeOne);
}

/** Whether a string holds a control character `escapeControl` would escape. */
export function hasControl(text: string): boolean {
  return HAS_CONTROL.test(text);
}

/**
 * `JSON.stringify`, plus `\uXXXX` escapes for what it leaves raw: DEL, C1 controls, U+2028/2029 and
 * bidi controls. These can only occur inside strings, so the output parses to the same value and
 * holds no byte that acts on a terminal (`--json` piped to a pager) or breaks a JavaScript reader.
 */
export function stringifyJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space);
  if (text === undefined) return 'null';
  return text.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
