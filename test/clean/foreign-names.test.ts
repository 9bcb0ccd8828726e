// git takes any byte from 0x80 up in a ref name, so an agent can make `baton/x<U+009B>31m` (a C1
// control) or `baton/evil<U+202E>txt` (a bidi override). Clean took every `baton/*` branch for a
// feature and printed its name raw. It now takes only the names Baton gives, and leaves others alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('clean and baton/* names Baton never gives', () => {
  it('neither lists nor removes them, and prints no control character', async () => {
    const repo = makeRepo({ 'README.md': 'hi\n', '.gitignore': '.baton/\n' });
    repos.push(repo);
    const names = ['baton/x\u009b31m', 'baton/evil\u202etxt'];
    for (const n of names) repo.git('branch', n);
    repo.git('branch', 'baton/feature-001-a');
    for (const args of [['clean', '--dry-run'], ['clean']]) {
      const r = await runBaton(args, { cwd: repo.root, env: { NO_COLOR: '1' } });
      expect(r.stdout + r.stderr).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
      expect(r.stdout + r.stderr).toContain('feature-001-a');
    }
    for (const n of names) expect(repo.git('branch', '--list', n)).not.toBe('');
    expect(repo.git('branch', '--list', 'baton/feature-001-a')).toBe('');
  });

  it('leaves a worktree on such a branch alone, and sees a feature branch a tag of the same name shadows', async () => {
    const repo = makeRepo({ 'README.md': 'hi\n', '.gitignore': '.baton/\n' });
    repos.push(repo);
    const wt = join(repo.root, '..', 'evil-wt');
    repo.git('worktree', 'add', '-q', '-b', 'baton/x\u009b31m', wt);
    // baton/feature-001-a holds a commit nothing else has; a tag baton/feature-001-a sits on main.
    repo.git('branch', 'baton/feature-001-a');
    const side = join(repo.root, '..', 'a-wt');
    repo.git('worktree', 'add', '-q', side, 'baton/feature-001-a');
    repo.git('-C', side, 'commit', '-q', '--allow-empty', '-m', 'work');
    repo.git('tag', 'baton/feature-001-a', 'main');
    const r = await runBaton(['clean'], { cwd: repo.root, env: { NO_COLOR: '1' } });
    expect(r.stdout + r.stderr).not.toMatch(/[\u0080-\u009f]/);
    expect(existsSync(wt)).toBe(true);
    // The feature branch is seen, with its unmerged commit: kept, not removed without --force.
    expect(existsSync(side)).toBe(true);
    expect(repo.git('branch', '--list', 'baton/feature-001-a')).not.toBe('');
    expect(r.stdout + r.stderr).toContain('feature-001-a');
  });
});
