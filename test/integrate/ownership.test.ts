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
});
