import { describe, expect, it } from 'vitest';
import { parseMergeTreeOutput } from '../../src/git/merge.js';

/** `git merge-tree --write-tree --name-only -z` output after its tree, as fields. */
const fields = (text: string) => text.split('|');

describe('parseMergeTreeOutput', () => {
  it.each([
    { name: 'a clean merge', out: '', conflicts: [], messages: [] },
    {
      name: 'a conflict, its message about one path left out',
      out: 'z.txt||1|z.txt|CONFLICT (contents)|CONFLICT (add/add): Merge conflict in z.txt\n|',
      conflicts: ['z.txt'],
      messages: [],
    },
    {
      name: 'a file git stopped at where a renamed folder went, with the path it came from',
      out: 'e/new.txt||1|e/x.txt|Auto-merging|Auto-merging e/x.txt\n|2|e/new.txt|d/new.txt|CONFLICT (directory rename suggested)|CONFLICT (file location): d/new.txt added in q inside a directory that was renamed in p, suggesting it should perhaps be moved to e/new.txt.\n|',
      conflicts: ['e/new.txt'],
      messages: [
        {
          paths: ['e/new.txt', 'd/new.txt'],
          type: 'CONFLICT (directory rename suggested)',
          text: 'CONFLICT (file location): d/new.txt added in q inside a directory that was renamed in p, suggesting it should perhaps be moved to e/new.txt.',
        },
      ],
    },
    {
      name: 'a path listed twice (stages), once',
      out: 'a.txt|a.txt||',
      conflicts: ['a.txt'],
      messages: [],
    },
  ])('$name', ({ out, conflicts, messages }) => {
    expect(parseMergeTreeOutput(fields(out))).toEqual({ conflicts, messages });
  });
});
