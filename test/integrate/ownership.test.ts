import { describe, expect, it } from 'vitest';
import { explainFile, featuresTouching } from '../../src/integrate/explain.js';
import { findOwnershipViolations } from '../../src/integrate/ownership.js';
import { contract } from './fixture.js';

describe('findOwnershipViolations', () => {
  const contracts = [
    contract('a', { owns: ['src/a/**', 'shared.ts'] }),
    contract('b', { owns: ['src/b/**', 'shared.ts'] }),
    contract('free'),
  ];
  it.each([
    { name: 'own files are fine', changed: { a: ['src/a/x.ts'] }, expected: [] },
    { name: 'a file both claim is fine for either', changed: { b: ['shared.ts'] }, expected: [] },
    {
      name: "another feature's file",
      changed: { a: ['src/b/x.ts'] },
      expected: [{ feature_id: 'a', file: 'src/b/x.ts', kind: 'owned-by-other', owners: ['b'] }],
    },
    {
      name: 'a file nobody owns, by a feature that declares owns',
      changed: { a: ['README.md'] },
      expected: [{ feature_id: 'a', file: 'README.md', kind: 'unowned', owners: [] }],
    },
    {
      name: 'a contract without owns claims nothing and breaks nothing unowned',
      changed: { free: ['README.md'] },
      expected: [],
    },
    {
      name: 'a contract without owns still may not touch owned files',
      changed: { free: ['shared.ts'] },
      expected: [{ feature_id: 'free', file: 'shared.ts', kind: 'owned-by-other', owners: ['a', 'b'] }],
    },
  ])('$name', ({ changed, expected }) => {
    expect(findOwnershipViolations(new Map(Object.entries(changed)), contracts)).toEqual(expected);
  });
});

describe('conflict explanations', () => {
  it.each([
    { owners: [], expected: 'b and a both changed db.ts, which no contract owns' },
    { owners: ['a'], expected: 'b and a both changed db.ts, which only a owns' },
    { owners: ['a', 'b'], expected: 'b and a both changed db.ts, which both a and b claim to own' },
    { owners: ['a', 'b', 'c'], expected: 'b and a both changed db.ts, which a, b and c all claim to own' },
  ])('owners $owners', ({ owners, expected }) => {
    expect(explainFile('db.ts', 'b', ['a'], owners)).toBe(expected);
  });

  it('says "all" of three or more features, not "both"', () => {
    expect(explainFile('db.ts', 'c', ['a', 'b'], [])).toBe(
      'c, a and b all changed db.ts, which no contract owns',
    );
  });

  it('names only the already-merged features that changed a conflicted file', () => {
    const changed = { a: ['db.ts', 'x'], b: ['y'], c: ['db.ts'] };
    expect(featuresTouching(['db.ts'], ['a', 'b'], changed)).toEqual(['a']);
  });

  it('names the feature that renamed the folder git moved a conflicted file out of, by git’s message', () => {
    // p moved d/ to e/, r added e/other.txt beside it; the merging feature added d/new.txt.
    const changed = { p: ['d/x.txt', 'e/x.txt'], r: ['e/other.txt'] };
    const messages = [
      {
        paths: ['e/new.txt', 'd/new.txt'],
        type: 'CONFLICT (directory rename suggested)',
        text: 'CONFLICT (file location): d/new.txt added in baton/q inside a directory that was renamed in baton/integration, suggesting it should perhaps be moved to e/new.txt.',
      },
    ];
    expect(featuresTouching(['e/new.txt'], ['p', 'r'], changed)).toEqual([]);
    expect(featuresTouching(['e/new.txt'], ['p', 'r'], changed, messages)).toEqual(['p']);
  });

  it('quotes git’s message for a file neither feature changed itself', () => {
    expect(
      explainFile('e/new.txt', 'q', ['p'], ['p', 'q'], 'CONFLICT (file location): d/new.txt added in q …'),
    ).toBe(
      'q and p changed what git brings together at e/new.txt (CONFLICT (file location): d/new.txt added in q …), which both p and q claim to own',
    );
  });
});
