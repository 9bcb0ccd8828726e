import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/text/json-syntax.js';

describe('jsonErrorOffset', () => {
  it.each([
    ['an object', '{ "a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {} }'],
    ['a bare value with spaces around', '  "s"  \n'],
    ['an empty array', '[]'],
  ])('is undefined for JSON: %s', (_, text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonErrorOffset(text)).toBeUndefined();
  });

  it.each([
    ['a single-quoted string', `{"a": 'x'}`, 6],
    ['True', '{"a": True}', 6],
    ['a missing value', '{"a": }', 6],
    ['a trailing comma', '[1, 2,]', 6],
    ['a missing comma', '{"a": 1 "b": 2}', 8],
    ['an unquoted key', '{a: 1}', 1],
    ['a leading zero', '01', 1],
    ['text after the value', '{} x', 3],
    ['an unclosed object', '{"a": 1', 7],
    ['nothing', '', 0],
  ])('is the offset of the first character JSON does not allow: %s', (_, text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  // Node names the place of these itself ("at position N"); the string they are in is named here.
  it.each([
    ['a raw newline in a string', '{"k": "a\nb"}', 6],
    ['a bad escape', '{"k": "a\\x"}', 6],
  ])('names the start of a string JSON does not allow: %s', (_, text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});
