import { describe, expect, it } from 'vitest';
import { escapeControl, hasControl, stringifyJson } from '../../src/text/escape.js';

/** The page's own escaper (plain JavaScript, untyped). */
async function pageShown(): Promise<(text: string) => string> {
  const dom = (await import(new URL('../../assets/dashboard/dom.js', import.meta.url).href)) as {
    shown(text: string): string;
  };
  return dom.shown;
}

describe('every bidi control is escaped, in the terminal, in JSON and on the page', () => {
  it.each([
    ['ALM', '\u061c', '\\u061c'],
    ['LRM', '\u200e', '\\u200e'],
    ['RLM', '\u200f', '\\u200f'],
    ['RLO', '\u202e', '\\u202e'],
    ['RLI', '\u2067', '\\u2067'],
  ])('%s', async (_name, c, escaped) => {
    const text = `invoice${c}fdp.exe`;
    expect(hasControl(text)).toBe(true);
    expect(escapeControl(text)).toBe(`invoice${escaped}fdp.exe`);
    expect(stringifyJson({ text })).toBe(`{"text":"invoice${escaped}fdp.exe"}`);
    expect(JSON.parse(stringifyJson({ text }))).toEqual({ text });
    expect((await pageShown())(text)).toBe(`invoice${escaped}fdp.exe`);
  });

  it('leaves other text alone (a zero-width joiner, Arabic letters)', async () => {
    for (const text of ['a\u200db', 'مرحبا']) {
      expect(escapeControl(text)).toBe(text);
      expect((await pageShown())(text)).toBe(text);
    }
  });
});

describe('what escapeControl keeps', () => {
  const text = 'a\tb\nc\r\u001b[2J\u202e';
  it.each([
    [{}, 'a\\tb\\nc\\r\\x1b[2J\\u202e'],
    [{ keepNewlines: true }, 'a\\tb\nc\\r\\x1b[2J\\u202e'],
    [{ keepTabs: true }, 'a\tb\\nc\\r\\x1b[2J\\u202e'],
    [{ keepNewlines: true, keepTabs: true }, 'a\tb\nc\\r\\x1b[2J\\u202e'],
  ])('%o', (options, shown) => {
    expect(escapeControl(text, options)).toBe(shown);
  });
});
