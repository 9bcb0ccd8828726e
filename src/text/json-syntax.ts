/**
 * Where a JSON text first stops being JSON (pure). `JSON.parse` says "at position N" for some mistakes
 * only: for a single-quoted string, a `True` or a missing value, Node 20 gives an excerpt and no offset.
 * This reads the text by JSON's grammar (RFC 8259) to the first character it does not allow.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPED = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const WORDS = ['true', 'false', 'null'] as const;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The 0-based offset of the first character of `text` that JSON does not allow there (`text.length`
 * when it ends too soon), or undefined when the whole text is one JSON value.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && WHITESPACE.has(text[i] ?? '')) i++;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        i++;
        const after = text[i];
        if (after === 'u' && HEX4.test(text.slice(i + 1, i + 5))) i += 5;
        else if (after !== undefined && ESCAPED.has(after)) i++;
        else return false;
        continue;
      }
      i++;
    }
    return false;
  };
  const container = (close: string, keyed: boolean): boolean => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return true;
    }
    for (;;) {
      if (keyed) {
        skipSpace();
        if (text[i] !== '"' || !string()) return false;
        skipSpace();
        if (text[i] !== ':') return false;
        i++;
      }
      if (!value()) return false;
      skipSpace();
      if (text[i] === close) {
        i++;
        return true;
      }
      if (text[i] !== ',') return false;
      i++;
    }
  };
  const value = (): boolean => {
    skipSpace();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    const word = WORDS.find((w) => text.startsWith(w, i));
    if (word) {
      i += word.length;
      return true;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (!number) return false;
    i += number[0].length;
    return true;
  };
  if (!value()) return Math.min(i, text.length);
  skipSpace();
  return i < text.length ? i : undefined;
}
