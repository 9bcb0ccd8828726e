// After `integrate --into main` and `clean --merged`, a plain `baton verify` failed with
// verify/no-worktree and told the user to `baton run` the features again: paid work redone. A
// feature whose branch is gone and whose work the base holds (the rule `baton run` leaves such a
// feature out by) is now skipped as delivered; with nothing else left there is nothing to verify.
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, fileWritingFeature } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton verify after the work was integrated onto main and the branches cleaned', () => {
  it('has nothing to verify, never sends the user to run delivered work again, and still verifies the rest', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([fileWritingFeature('a'), fileWritingFeature('b')]),
    });
    repos.push(repo);
    const baton = (args: string[]) => runBaton(args, { cwd: repo.root });
    expect((await baton(['run'])).code).toBe(0);
    expect((await baton(['integrate', '--into', 'main'])).code).toBe(0);
    expect((await baton(['clean', '--merged'])).code).toBe(0);

    const plain = await baton(['verify']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(
      'nothing to verify: the work of every feature (a, b) is already in HEAD (the commit each completed on is there)\n',
    );
    const json = await baton(['verify', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ on: 'worktree', features: [] });

    // Named, it is still an error (nothing to check out), whose hint does not redo the work.
    const named = await baton(['verify', 'a']);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('[verify/no-worktree]');
    expect(named.stderr).toContain(
      'hint: The work of a is already in HEAD (the commit it completed on is there): its branch baton/a is gone, so nothing of it is left to verify.',
    );
    expect(named.stderr).not.toContain('baton run');

    // A new feature not run yet: the error names it alone, with the run that makes its worktree.
    repo.commit('add c', { 'specs/c/contract.md': contractText(fileWritingFeature('c')) });
    const fresh = await baton(['verify']);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('feature c has no worktree to verify');
    expect(fresh.stderr).toContain('hint: Run `baton run c` first');
    expect(fresh.stderr).not.toContain('baton run a');

    // Once it ran, it is verified and the delivered ones are listed as skipped.
    expect((await baton(['run'])).code).toBe(0);
    const after = await baton(['verify']);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stderr).toContain(
      'skipped a: its work is already in HEAD (the commit it completed on is there)',
    );
    expect(after.stdout).toContain('verified 1 feature on their worktrees: 2 passed, 0 failed');
  });
});
