import { describe, expect, it } from 'vitest';
import { notMergedFeatures, notOnIntegration } from '../../src/checks/not-merged.js';
import { checkedBranch, locateWorktree, strayRefusal, strayWorktree } from '../../src/checks/targets.js';
import type { FeatureState, MergeRecord } from '../../src/log/state.js';

const list = [
  { path: '/repo', branch: 'main' },
  { path: '/wt/feature-001', branch: 'baton/feature-001' },
  { path: '/wt/old', branch: 'baton/feature-002', prunable: true },
  { path: '/elsewhere/f3', branch: 'baton/feature-003' },
  { path: '/wt/feature-005', branch: 'mywork' },
  { path: '/wt/feature-006', head: 'abcdef0123456789' },
  { path: '/elsewhere/f6', branch: 'baton/feature-006' },
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
    {
      name: 'nothing when the recorded worktree is on another branch: it is not the branch’s',
      branch: 'baton/feature-005',
      recorded: '/wt/feature-005',
      expected: undefined,
    },
    {
      name: 'the branch’s worktree elsewhere when the recorded one has a detached HEAD',
      branch: 'baton/feature-006',
      recorded: '/wt/feature-006',
      expected: '/elsewhere/f6',
    },
  ])('$name', ({ branch, recorded, expected }) => {
    expect(locateWorktree(branch, recorded, list)).toBe(expected);
  });
});

describe('strayWorktree and strayRefusal', () => {
  it('names the recorded worktree when it left the branch, and nothing otherwise', () => {
    expect(strayWorktree('baton/feature-005', '/wt/feature-005', list)?.branch).toBe('mywork');
    expect(strayWorktree('baton/feature-006', '/wt/feature-006', list)?.head).toBe('abcdef0123456789');
    expect(strayWorktree('baton/feature-001', '/wt/feature-001', list)).toBeUndefined();
    expect(strayWorktree('baton/feature-002', '/wt/old', list)).toBeUndefined();
    expect(strayWorktree('baton/feature-005', undefined, list)).toBeUndefined();
  });

  it('says how to go back: switch for another branch or a detached HEAD, finish a rebase or a bisect', () => {
    const detached = { path: '/wt/f', head: 'abcdef0123456789' };
    const other = strayRefusal('the worktree of f', 'baton/f', { path: '/wt/f', branch: 'mywork' });
    expect(other).toEqual({
      code: 'verify/wrong-branch',
      message:
        'the worktree of f (/wt/f) is on mywork, not baton/f: its checks would not check what baton/f holds',
      hint: "Switch it back (`git -C '/wt/f' switch baton/f`), merge there what you committed on mywork if baton/f needs it (`git -C '/wt/f' merge 'mywork'`), then verify again.",
    });
    expect(strayRefusal('the worktree of f', 'baton/f', detached).message).toContain(
      'is on a detached HEAD (at abcdef01), not baton/f',
    );
    const rebase = strayRefusal('the worktree of f', 'baton/f', detached, { operation: 'rebase' });
    expect(rebase.message).toContain('is in the middle of a rebase of baton/f');
    expect(rebase.hint).toContain("`git -C '/wt/f' rebase --continue`");
    const bisect = strayRefusal('the integration worktree', 'baton/integration', detached, {
      operation: 'bisect',
    });
    expect(bisect.hint).toContain("`git -C '/wt/f' bisect reset`");
  });
});

describe('checkedBranch', () => {
  const feature = (over: Partial<FeatureState>): FeatureState =>
    ({ feature_id: 'api', status: 'complete', ...over }) as FeatureState;
  const attempt = (n: number, status: string) => ({ attempt: n, status, files: [], measured: {} });

  it('is baton/<id> for a plain feature, the winner’s attempt branch for best-of-N', () => {
    expect(checkedBranch('api', undefined)).toEqual({ branch: 'baton/api' });
    expect(checkedBranch('api', feature({}))).toEqual({ branch: 'baton/api' });
    const decided = feature({
      attempts: { 1: attempt(1, 'complete'), 2: attempt(2, 'complete') } as never,
      winner: { attempt: 2, select: 'best', reasons: [], ranking: [2, 1] },
    });
    expect(checkedBranch('api', decided)).toEqual({ branch: 'baton/api.a2', attempt: 2 });
  });

  it('refuses while best-of-N is undecided, with the reason pick gives', () => {
    const undecided = feature({ attempts: { 1: attempt(1, 'complete'), 2: attempt(2, 'running') } as never });
    expect(checkedBranch('api', undecided)).toMatchObject({
      refusal: {
        code: 'verify/undecided',
        message: expect.stringMatching(/^api has no winner yet: attempt 2 is still running in the log/),
      },
    });
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

describe('notOnIntegration', () => {
  const clean = (feature_id: string): MergeRecord => ({
    feature_id,
    outcome: 'clean',
    files: [],
    with: [],
    ts: '2026-01-01T00:00:00.000Z',
  });

  it('names the features the integration never merged (stopped before them, or not selected), beside those it left out', () => {
    const merges: MergeRecord[] = [clean('a'), { ...clean('b'), outcome: 'conflict', files: ['shared.txt'] }];
    expect([...notOnIntegration(merges, ['a', 'b', 'c'])]).toEqual([
      ['b', 'it conflicted during integration'],
      ['c', 'the integration has not merged it (not reached, or not selected)'],
    ]);
  });
});
