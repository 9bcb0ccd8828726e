import { describe, expect, it } from 'vitest';
import type { CleanTarget } from '../../src/clean/inspect.js';
import { checkFinishedWorktrees } from '../../src/doctor/worktrees.js';
import { initialState } from '../../src/log/fold.js';
import type { FeatureState } from '../../src/log/state.js';

function target(id: string): CleanTarget {
  return {
    id,
    kind: 'feature',
    branch: `baton/${id}`,
    worktree: { path: `/wt/${id}`, exists: true, locked: false },
    dirty: [],
    unmerged: 0,
    mergeTargets: ['main'],
  };
}

describe('doctor: finished worktrees', () => {
  it('counts a complete, merged feature, never an interrupted one that a resume goes on with', () => {
    const state = initialState();
    state.features.done = { feature_id: 'done', status: 'complete' } as FeatureState;
    state.features.cut = { feature_id: 'cut', status: 'interrupted' } as FeatureState;
    const c = checkFinishedWorktrees({ targets: [target('done'), target('cut')] }, state, new Map());
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('1 finished feature worktree(s) already merged: done');
    expect(c.detail).not.toContain('cut');
  });

  it('is ok when the only merged worktree is an interrupted feature', () => {
    const state = initialState();
    state.features.cut = { feature_id: 'cut', status: 'interrupted' } as FeatureState;
    expect(checkFinishedWorktrees({ targets: [target('cut')] }, state, new Map()).status).toBe('ok');
  });
});
