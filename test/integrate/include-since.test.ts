// `--continue` takes a feature whose checks failed since the integration began when the integration's
// `--include` covers its new status: it is let in by --include as much as those it began with, so
// --into leaves the branch where it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('integrate --continue with --include', () => {
  it('counts a feature that failed its checks since as let in by --include, and --into does not move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-flag-'));
    dirs.push(dir);
    const flag = join(dir, 'flag');
    writeFileSync(flag, '');
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'shared.txt': 'base\n',
      ...contractFiles([
        {
          id: 'fa',
          owns: ['a.txt', 'shared.txt'],
          agent: { command: 'echo a > a.txt; echo a >> shared.txt' },
          criteria: [{ text: 'passes', run: 'true' }],
        },
        {
          id: 'fb',
          owns: ['b.txt', 'shared.txt'],
          agent: { command: 'echo b > b.txt; echo b >> shared.txt' },
          criteria: [{ text: 'passes', run: 'true' }],
        },
        {
          id: 'fc',
          owns: ['c.txt'],
          depends: ['fb'],
          agent: { command: 'echo c > c.txt' },
          criteria: [{ text: 'the flag is there', run: `test -f ${flag}` }],
        },
      ]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    const main = repo.git('rev-parse', 'main').trim();
    const first = await runBaton(['integrate', '--include', 'failed-checks', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(first.stdout + first.stderr).toContain('conflict in shared.txt');
    // fc fails its check now; it passes again by the time its criteria run on the result.
    rmSync(flag);
    await runBaton(['verify', 'fc'], { cwd: repo.root });
    writeFileSync(flag, '');
    const worktree = join(`${repo.root}.baton-worktrees`, 'integration');
    writeFileSync(join(worktree, 'shared.txt'), 'base\na\nb\n');
    repo.git('-C', worktree, 'add', 'shared.txt');

    const r = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(r.stdout).toContain('fc: merged');
    expect(r.stdout).toContain('fc (failed-checks) merged although not complete');
    expect(r.stdout).toContain('main left where it was: fc (failed-checks) was merged by --include');
    expect(r.code).toBe(1);
    expect(repo.git('rev-parse', 'main').trim()).toBe(main);
  });
});
