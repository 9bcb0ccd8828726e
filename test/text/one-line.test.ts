import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/text/one-line.js';

describe('oneLine', () => {
  it.each([
    ['a single line', '  a single line  ', 'a single line'],
    [
      'a wrapped paragraph joined with spaces',
      'running here, e.g.\nan editor',
      'running here, e.g. an editor',
    ],
    [
      'paragraphs set off with a slash',
      'File exists.\n\nAnother git process\nmay run.\n',
      'File exists. / Another git process may run.',
    ],
    [
      'each git-labelled line set off',
      'error: one\nerror: two\nhint: do this',
      'error: one / error: two / hint: do this',
    ],
    ['CRLF line ends', 'one\r\ntwo', 'one two'],
    ['nothing', '\n\n', ''],
  ])('%s', (_name, text, expected) => {
    expect(oneLine(text)).toBe(expected);
  });
});
