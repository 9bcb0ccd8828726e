// A conflict resolved and merged is reported as one: the merges line says the feature was merged after
// its conflict was resolved, next to the conflicts line that counts that conflict, in markdown, html
// and json alike.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/metrics/types.js';
import { lines, makeFourFeatures, recordStatus } from '../integrate/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('baton report after a conflict was resolved', () => {
  it('counts the feature as merged after a resolved conflict, not as clean beside a conflict', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    const stop = await runBaton(['integrate', 'a', 'b'], { cwd: repo.root });
    expect(stop.code).toBe(1);
    const wt = join('..', 'repo.baton-worktrees', 'integration');
    repo.write({ [join(wt, 'src/routes.ts')]: lines(20, { 10: 'route a and b' }) });
    repo.git('-C', join(repo.root, wt), 'add', 'src/routes.ts');
    const c = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);

    const json = await runBaton(['report', '--json'], { cwd: repo.root });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.conflicts.count).toBe(1);
    expect(report.integration.merges).toEqual({ clean: 2, conflict: 0, skipped: 0, resolved: 1 });
    const words =
      'Merges (delivered attempts, one per feature): 2 merged (1 after a conflict was resolved), 0 stopped at a conflict, 0 skipped';
    const md = await runBaton(['report'], { cwd: repo.root });
    expect(md.stdout).toContain('- Conflicts: 1 on `src/routes.ts`');
    expect(md.stdout).toContain(words);
    const html = await runBaton(['report', '--format', 'html'], { cwd: repo.root });
    expect(html.stdout).toContain(words);
  });
});
