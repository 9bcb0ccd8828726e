import { describe, expect, it } from 'vitest';
import { locateWorktree, notMergedFeatures } from '../../src/checks/targets.js';
import type { MergeRecord } from '../../src/log/state.js';

const list = [
  { path: '/repo', branch: 'main' },
  { path: '/wt/feature-001', branch: 'baton/feature-001' },
  { path: '/wt/old', branch: 'baton/feature-002', prunable: true },
  { path: '/elsewhere/f3', branch: 'baton/feature-003' },
];

describe('locateWorktree', () => {
  it.each([
    {
      name: 'the recorded path when git lists it',
      branch: 'baton/feature-001',
      recorded: '/wt/feature-001',
      expected: '/wt/feature-001',
    },
    {
      name: 'the branch’s worktree when nothing is recorded',
      branch: 'baton/feature-003',
      recorded: undefined,
      expected: '/elsewhere/f3',
    },
    {
      name: 'the branch’s worktree when the recorded one is gone',
      branch: 'baton/feature-003',
      recorded: '/wt/feature-003',
      expected: '/elsewhere/f3',
    },
    {
      name: 'nothing for a prunable (deleted) worktree',
      branch: 'baton/feature-002',
      recorded: '/wt/old',
      expected: undefined,
    },
    {
      name: 'nothing when the branch is not checked out',
      branch: 'baton/feature-004',
      recorded: undefined,
      expected: undefined,
    },
  ])('$name', ({ branch, recorded, expected }) => {
    expect(locateWorktree(branch, recorded, list)).toBe(expected);
  });
});

describe('notMergedFeatures', () => {
  const merge = (feature_id: string, outcome: MergeRecord['outcome'], reason?: string): MergeRecord => ({
    feature_id,
    outcome,
    files: outcome === 'conflict' ? ['shared.txt'] : [],
    with: [],
    ...(reason ? { reason } : {}),
    ts: '2026-01-01T00:00:00.000Z',
  });

  it('takes each feature’s last merge: a conflict resolved by --continue (a later clean merge) is merged', () => {
    const left = notMergedFeatures([
      merge('a-core', 'clean'),
      merge('b-ui', 'conflict'),
      merge('c-api', 'skipped', 'not run: b-ui stopped at a conflict'),
      // `integrate --continue`: b-ui's resolved merge, then the rest.
      merge('b-ui', 'clean'),
      merge('c-api', 'clean'),
    ]);
    expect([...left]).toEqual([]);
  });

  it('names the features whose last word is a conflict or a skip, with why', () => {
    const left = notMergedFeatures([
      merge('a-core', 'clean'),
      merge('b-ui', 'conflict'),
      merge('c-api', 'skipped', 'its status is failed'),
      merge('d-web', 'skipped'),
    ]);
    expect([...left]).toEqual([
      ['b-ui', 'it conflicted during integration'],
      ['c-api', 'its status is failed'],
      ['d-web', 'it was skipped during integration'],
    ]);
  });
});
