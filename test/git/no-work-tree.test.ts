import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';

describe('a repository without a checkout', () => {
  it('in a bare repository says it is bare and needs a checkout, not "run git init"', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bare-')));
    try {
      execFileSync('git', ['init', '-q', '--bare', join(dir, 'b.git')]);
      for (const args of [['init'], ['new', 'x'], ['lint'], ['status']]) {
        const res = await runBaton(args, { cwd: join(dir, 'b.git') });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(
          `baton: ${join(dir, 'b.git')} is a bare git repository: it has no checkout, and Baton works in one [git/bare-repo]`,
        );
        expect(res.stderr).toContain('git worktree add');
        expect(res.stderr).not.toContain('git init');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("inside a checkout's .git folder says to run from the checkout", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-gitdir-')));
    try {
      execFileSync('git', ['init', '-q', join(dir, 'app')]);
      const res = await runBaton(['lint'], { cwd: join(dir, 'app', '.git') });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `is inside the git folder ${join(dir, 'app', '.git')}, not in a checkout [git/inside-git-dir]`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
