// A conflict the user resolved is never theirs to resolve again: Baton's merges record each resolution
// with git rerere, so starting over (`--fresh`) meets the same conflict resolved; and a partial outcome
// says exactly which command takes what merged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { lines, logEvents, makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');
const RESOLVED = lines(20, { 10: 'route a and b' });

describe('a resolved conflict, once', () => {
  it('a partial outcome names the command that takes what merged, and that command reuses the resolution', async () => {
    // a × b conflict on src/routes.ts; d did not pass, so the integration can only end partial.
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c']);
    recordStatus(repo, ['d'], 'failed');
    const main = repo.git('rev-parse', 'main');
    const stop = await runBaton(['integrate', '--test', 'true', '--into', 'main'], { cwd: repo.root });
    expect(stop.stdout).toContain('Merging baton/b (merge 2 of 3) conflicts in 1 file(s) with a');

    const wt = integrationWorktree(repo);
    writeFileSync(join(wt, 'src/routes.ts'), RESOLVED);
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const partial = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/Integration partial in .*: 3 of 4 merged, 1 not merged \(did not pass\)/);
    // The promise kept: a feature left out keeps main where it was.
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(partial.stdout).toContain(
      'main left where it was: not every selected feature was merged: d (failed',
    );
    expect(partial.stdout).toContain('to take what merged: baton integrate a b c --fresh --into main');

    const fresh = await runBaton(
      ['integrate', 'a', 'b', 'c', '--fresh', '--test', 'true', '--into', 'main'],
      {
        cwd: repo.root,
      },
    );
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('b: merged');
    expect(fresh.stdout).toContain('resolved by your earlier resolution (git rerere)');
    expect(fresh.stdout).not.toContain('To resolve it:');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    expect(repo.git('show', 'main:src/routes.ts')).toBe(RESOLVED.trimEnd());
    // Still a conflict of the decomposition (the report counts it), resolved by the recorded resolution.
    const last = logEvents(repo).slice(
      logEvents(repo).findLastIndex((e) => e.type === 'integration.started'),
    );
    const b = last.filter((e) => 'feature_id' in e && e.feature_id === 'b').map((e) => e.type);
    expect(b).toEqual(['merge.conflict', 'merge.clean']);
    expect(last.find((e) => e.type === 'merge.clean' && e.feature_id === 'b')).toMatchObject({
      resolved: 'by-rerere',
    });
    // main is checked out: it was fast-forwarded there, to the resolution.
    expect(readFileSync(join(repo.root, 'src/routes.ts'), 'utf8')).toBe(RESOLVED);
  });
});
