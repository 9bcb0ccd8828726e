// What a partial outcome tells the user to do depends on why each feature was left out: one skipped
// at a conflict passed, so it is integrated again and its conflict resolved, never re-run.
import { afterEach, describe, expect, it } from 'vitest';
import { renderResult } from '../../src/cli/integrate-render.js';
import { leftOutHint } from '../../src/integrate/left-out-hint.js';
import type { IntegrationResult, MergeStep } from '../../src/integrate/types.js';
import { palette } from '../../src/terminal/style.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('the hint for features left out', () => {
  it('after --on-conflict skip: integrate the skipped feature again and resolve, not `baton run --resume`', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const skip = await runBaton(['integrate', '--on-conflict', 'skip', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(skip.code).toBe(1);
    expect(skip.stdout).toContain(
      'main left where it was: not every selected feature was merged: b (skipped: conflicts with a in src/routes.ts)',
    );
    const hint = skip.stdout.split('\n').find((l) => l.startsWith('hint: ')) ?? '';
    expect(hint).toBe(
      'hint: Integrate b again and resolve the conflict: it was left out only for it and its work passed, so there is nothing to re-run (baton integrate a b c d --fresh --test true --into main stops at the conflict for you; add --on-conflict agent to have the agent resolve it); or, to take what merged: baton integrate a c d --fresh --test true --into main --on-conflict skip.',
    );
    // The command it names does what it says: it stops at b's conflict for the user.
    const named = hint.match(/\((baton integrate a b c d [^)]*) stops/)?.[1] ?? '';
    const again = await runBaton(named.split(' ').slice(1), { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Merging baton/b (merge 2 of 4) conflicts in 1 file(s) with a');
    expect(again.stdout).toContain('To resolve it:');
  });

  it('without --into: the same hint, for the branch to name', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const skip = await runBaton(['integrate', '--on-conflict', 'skip', '--test', 'true'], { cwd: repo.root });
    expect(skip.code).toBe(1);
    expect(skip.stdout).toContain(
      'hint: Integrate b again and resolve the conflict: it was left out only for it and its work passed, so there is nothing to re-run (baton integrate a b c d --fresh --test true --into <branch> stops',
    );
  });
});

describe('the hint for features that did not pass', () => {
  it('names them in the commands that run them again', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'c', 'd']);
    recordStatus(repo, ['b'], 'failed');
    const partial = await runBaton(['integrate', '--test', 'true', '--into', 'main'], { cwd: repo.root });
    const hint = partial.stdout.split('\n').find((l) => l.startsWith('hint: ')) ?? '';
    expect(hint).toContain(
      'Fix and re-run b (baton run --resume b keeps their work; baton run --resume b --restart b starts them over)',
    );
  });

  it('offers no re-run for a feature that passed and was left out for its commit: its reason says what it needs', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'd']);
    recordStatus(repo, ['c'], 'failed');
    // d's branch moved since its checks passed (a commit by hand).
    const moved = repo.git('commit-tree', 'baton/d^{tree}', '-p', 'baton/d', '-m', 'by hand');
    repo.git('update-ref', 'refs/heads/baton/d', moved);
    const partial = await runBaton(['integrate', 'a', 'c', 'd', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(partial.stdout).toContain(`d (complete: baton/d is at ${moved.slice(0, 10)}`);
    const hint = partial.stdout.split('\n').find((l) => l.startsWith('hint: ')) ?? '';
    expect(hint).toBe(
      'hint: Fix and re-run c (baton run --resume c keeps their work; baton run --resume c --restart c starts them over); ' +
        'do what the reason given for d says (it passed: nothing to re-run), then integrate again; ' +
        'or, to take what merged: baton integrate a --fresh --test true --into main.',
    );
  });

  it('starts with the advice, never with a capitalised id, when only a feature that passed was left out', () => {
    const hint = leftOutHint(
      [
        { feature_id: 'a', status: 'merged', commit: 'c0ffee', duration_ms: 1 },
        { feature_id: 'd', status: 'not-merged', feature_status: 'complete', reason: 'run `baton verify d`' },
      ] as MergeStep[],
      { into: 'main' },
    );
    expect(hint).toBe(
      'Do what the reason given for d says (it passed: nothing to re-run), then integrate again; or, to take what merged: baton integrate a --fresh --into main.',
    );
  });

  it('when none can be merged, the refusal names them too', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd'], 'failed');
    const refused = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'baton run --resume a b c d keeps their work; baton run --resume a b c d --restart a --restart b --restart c --restart d starts them over',
    );
  });

  describe('with features --include let in', () => {
    // fa and fb both failed their checks and were let in; fb was skipped at its conflict with fa.
    const steps = [
      { feature_id: 'fa', status: 'merged', commit: 'c0ffee', duration_ms: 1 },
      { feature_id: 'fb', status: 'skipped', reason: 'conflicts with fa in shared.txt' },
    ] as MergeStep[];
    const included = [
      { feature_id: 'fa', status: 'failed-checks' as const },
      { feature_id: 'fb', status: 'failed-checks' as const },
    ];
    const flags = { into: 'main', include: ['failed-checks'], onConflict: 'skip' as const };

    it('words the hint by status, and never offers --into with --include', () => {
      const hint = leftOutHint(steps, flags, included) ?? '';
      expect(hint).not.toContain('work passed');
      expect(hint).toContain('Fix and re-run fb (baton run --resume fb');
      expect(hint).toContain('its checks did not pass (failed-checks)');
      expect(hint).toContain('baton integrate fa fb --fresh --include failed-checks stops at it');
      expect(hint).not.toMatch(/--into main --include|--include failed-checks[^;]*--into/);
      expect(hint).toContain('--into never moves a branch onto fa, let in by --include');
      // A skipped feature that passed keeps the old advice, and a take-what-merged with no feature
      // let in names --into without --include.
      const passed = leftOutHint(steps, flags, []) ?? '';
      expect(passed).toContain('its work passed, so there is nothing to re-run');
      expect(passed).toContain(
        'to take what merged: baton integrate fa --fresh --into main --on-conflict skip.',
      );
    });

    it('lists as merged although not complete only the let-in features that merged', () => {
      const out: string[] = [];
      const r: IntegrationResult = {
        outcome: 'partial',
        branch: 'baton/integration',
        worktree: '/tmp/w',
        base: undefined,
        order: ['fa', 'fb'],
        steps,
        tests: [],
        checks: {},
        include: ['failed-checks'],
        included,
        commit: 'c'.repeat(40),
        duration_ms: 1,
        notes: [],
      };
      renderResult(r, palette(false), (line) => out.push(line));
      expect(out).toContain('--include failed-checks: fa (failed-checks) merged although not complete');
    });
  });
});
