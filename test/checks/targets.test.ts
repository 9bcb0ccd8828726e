import { describe, expect, it } from 'vitest';
import { locateWorktree } from '../../src/checks/targets.js';

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
