// A branch stacked on its dependency is measured beyond the dependency's work (`ownWorkStartOf`). Any
// dependency with a `baton/<id>` branch counted as carried, stacked or not, and a `baton/<id>` branch
// is anyone's to move: an agent that pointed its dependency's branch at its own commit outside its owns
// had that commit excused. Now what the carried work brings counts against the branch unless a carried
// dependency owns it.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** a, and b depending on it, each writing and owning `src/<id>/**` (b only once `bFirst` passes). */
function plainPair(bFirst = 'true'): TempRepo {
  const contracts: TestContract[] = [
    { id: 'a', agent: { command: 'mkdir -p src/a && echo a > src/a/x.txt' } },
    { id: 'b', depends: ['a'], agent: { command: `${bFirst} && mkdir -p src/b && echo b > src/b/x.txt` } },
  ];
  const repo = makeRepo({ 'README.md': '# app\n', '.gitignore': '.baton/\n', ...contractFiles(contracts) });
  repos.push(repo);
  return repo;
}

/** Runs git in feature `id`'s worktree; its output. */
function inWorktree(repo: TempRepo, id: string, args: string[]): string {
  const r = spawnSync('git', args, {
    cwd: join(repo.root, '..', 'repo.baton-worktrees', id),
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Commits `file` (with `text`) on b's branch; the commit. */
function commitOnB(repo: TempRepo, file: string, text: string): string {
  const dir = join(repo.root, '..', 'repo.baton-worktrees', 'b');
  spawnSync('mkdir', ['-p', join(dir, file, '..')]);
  spawnSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', text, join(dir, file)]);
  inWorktree(repo, 'b', ['add', '--', file]);
  inWorktree(repo, 'b', ['commit', '-q', '-m', `add ${file}`]);
  return inWorktree(repo, 'b', ['rev-parse', 'HEAD']);
}

describe("a dependency's branch moved onto the dependent's own commit", () => {
  it('excuses nothing outside what the dependency owns', async () => {
    const repo = plainPair();
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const evil = commitOnB(repo, 'EVIL.txt', 'evil');
    commitOnB(repo, 'src/b/y.txt', 'y');
    const before = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(before.code).not.toBe(0);
    expect(before.stdout).toContain('EVIL.txt');
    repo.git('update-ref', 'refs/heads/baton/a', evil);
    const after = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(after.stdout).toContain('outside owns');
    expect(after.stdout).toContain('EVIL.txt');
    expect(after.code, after.stdout + after.stderr).not.toBe(0);
  });

  it("still excuses the dependency's own files it carries", async () => {
    const repo = plainPair();
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const dep = commitOnB(repo, 'src/a/z.txt', 'z');
    commitOnB(repo, 'src/b/y.txt', 'y');
    repo.git('update-ref', 'refs/heads/baton/a', dep);
    const v = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(v.stdout).not.toContain('outside owns:');
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("fails the resumed run's owns check too", async () => {
    // b's agent fails until `go` exists: the resume runs it again on the branch as it was left.
    const go = join(tmpdir(), `baton-carried-go-${process.pid}-${Date.now()}`);
    const repo = plainPair(`test -f ${go}`);
    try {
      expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
      repo.git('update-ref', 'refs/heads/baton/a', commitOnB(repo, 'EVIL.txt', 'evil'));
      commitOnB(repo, 'src/b/y.txt', 'y');
      writeFileSync(go, '');
      const r = await runBaton(['run', '--resume', 'b'], { cwd: repo.root });
      expect(r.stdout + r.stderr).toContain('EVIL.txt');
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
    } finally {
      rmSync(go, { force: true });
    }
  });
});
