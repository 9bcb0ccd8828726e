// After a partial outcome: its hint says exactly which command takes what merged; and a recorded
// resolution (git rerere's shared cache, which any agent can write) is never replayed onto Baton's
// merges: the conflict stops for its resolver, whatever the cache holds.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { lines, makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');
const RESOLVED = lines(20, { 10: 'route a and b' });

describe('a resolved conflict', () => {
  it('a partial outcome names the command that takes what merged; --fresh stops at the conflict again', async () => {
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
    expect(partial.stdout).toContain(
      'to take what merged: baton integrate a b c --fresh --test true --into main',
    );

    const fresh = await runBaton(
      ['integrate', 'a', 'b', 'c', '--fresh', '--test', 'true', '--into', 'main'],
      { cwd: repo.root },
    );
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain('Merging baton/b (merge 2 of 3) conflicts in 1 file(s) with a');
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('never replays a resolution recorded in the shared rerere cache, even with rerere on in the config', async () => {
    repo = makeFourFeatures().repo;
    const r = repo;
    recordStatus(r, ['a', 'b', 'c', 'd']);
    const main = r.git('rev-parse', 'main');
    // The user's config turns rerere on, and a resolution of this very conflict waits in the cache,
    // recorded by an earlier merge of the same two sides — the user's own, or one an agent made.
    r.git('config', 'rerere.enabled', 'true');
    r.git('config', 'rerere.autoUpdate', 'true');
    r.git('checkout', '-q', '-b', 'scratch', 'baton/a');
    expect(() => r.git('merge', '-q', '--no-edit', 'baton/b')).toThrow();
    writeFileSync(join(r.root, 'src/routes.ts'), `PLANTED\n${RESOLVED}`);
    r.git('add', 'src/routes.ts');
    r.git('commit', '-q', '--no-edit');
    r.git('checkout', '-q', 'main');
    r.git('branch', '-q', '-D', 'scratch');
    expect(existsSync(join(r.root, '.git', 'rr-cache'))).toBe(true);

    const out = await runBaton(['integrate', 'a', 'b', '--test', 'true', '--into', 'main'], { cwd: r.root });
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.stdout).toContain('conflicts in 1 file(s) with a');
    expect(out.stdout).not.toContain('rerere');
    expect(r.git('rev-parse', 'main')).toBe(main);
    expect(readFileSync(join(integrationWorktree(r), 'src/routes.ts'), 'utf8')).toContain('<<<<<<<');
  });
});
