import { describe, expect, it } from 'vitest';
import { someOf } from '../../src/text/some-of.js';

describe('someOf', () => {
  it.each([
    [[], 3, ''],
    [['a'], 3, 'a'],
    [['a', 'b', 'c'], 3, 'a, b, c'],
    [['a', 'b', 'c', 'd', 'e'], 3, 'a, b, c and 2 more'],
  ])('%j, at most %i → %j', (items, max, text) => {
    expect(someOf(items, max)).toBe(text);
  });
});
