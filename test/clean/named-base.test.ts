/**
 * A base named with `--base` (or the config's `base`) that is one of Baton's own branches, or a commit
 * only Baton's branches hold: judged against it, every branch merged only there would count as merged
 * and be deleted, without `--force` and without a backup ref. clean refuses it as it refuses a main
 * checkout on a Baton branch.
 */

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { namedBatonBranch } from '../../src/clean/base.js';
import {
  addFeatureWorktree,
  batonBranches,
  commitIn,
  projectRepo,
  worktreePath,
} from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Feature `a` with one commit on `baton/a` only, merged into `baton/integration` (not into main). */
function integratedNotDelivered(): TempRepo {
  const r = projectRepo(['a']);
  commitIn(r, addFeatureWorktree(r, 'a'), 'a work', { 'src/a/index.ts': 'a\n' });
  r.git('branch', 'baton/integration', 'baton/a');
  return r;
}

describe('baton clean --base <a Baton branch>', () => {
  it('refuses every spelling of a Baton branch, --all and --force too: nothing is removed', async () => {
    repo = integratedNotDelivered();
    const tip = repo.git('rev-parse', 'baton/a');
    const spellings = [
      'baton/integration',
      'heads/baton/integration',
      'refs/heads/baton/integration',
      'baton/a',
      'baton/integration~0',
      tip,
    ];
    for (const base of spellings) {
      for (const extra of [['--all'], ['--all', '--force']]) {
        const r = await runBaton(['clean', ...extra, '--base', base], { cwd: repo.root });
        expect(r.code, `${base} ${extra.join(' ')}: ${r.stdout}`).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`the base "${base}" is `);
        expect(r.stderr).toContain('[clean/bad-base]');
        expect(r.stderr).toContain("hint: Name your own branch, the one Baton's work is merged into");
      }
    }
    const named = await runBaton(['clean', '--base', 'heads/baton/integration'], { cwd: repo.root });
    expect(named.stderr).toContain(
      'the base "heads/baton/integration" is baton/integration, a Baton branch: judged against it, every branch merged only there (and baton/integration itself) would count as merged and be deleted [clean/bad-base]',
    );
    const sha = await runBaton(['clean', '--base', tip], { cwd: repo.root });
    expect(sha.stderr).toContain(
      `is commit ${tip.slice(0, 12)}, which no branch, tag or remote-tracking branch of yours holds`,
    );
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/integration']);
    expect(existsSync(worktreePath(repo, 'a'))).toBe(true);
  });

  it('refuses --base HEAD while the main checkout is on a Baton branch, and a configured Baton base', async () => {
    repo = integratedNotDelivered();
    repo.git('checkout', '-q', 'baton/integration');
    const head = await runBaton(['clean', '--base', 'HEAD'], { cwd: repo.root });
    expect(head.code).toBe(1);
    expect(head.stderr).toContain('the base "HEAD" is baton/integration, a Baton branch');
    repo.git('checkout', '-q', 'main');
    writeFileSync(join(repo.root, 'baton.config.json'), '{"base":"baton/integration"}\n');
    const configured = await runBaton(['clean', '--all'], { cwd: repo.root });
    expect(configured.code).toBe(1);
    expect(configured.stderr).toContain('the base "baton/integration" is a Baton branch');
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/integration']);
  });

  it("still judges against the user's branch, by name or by a commit one of theirs holds", async () => {
    repo = integratedNotDelivered();
    repo.git('merge', '-q', '--ff-only', 'baton/integration');
    const sha = await runBaton(['clean', '--all', '--dry-run', '--base', repo.git('rev-parse', 'main')], {
      cwd: repo.root,
    });
    expect(sha.code, sha.stderr).toBe(0);
    expect(sha.stdout).toContain('Would remove 2');
    const named = await runBaton(['clean', '--all', '--base', 'main'], { cwd: repo.root });
    expect(named.code, named.stderr).toBe(0);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('names the Baton branch a base stands for (pure)', () => {
    expect(namedBatonBranch('baton/a', 'refs/heads/baton/a')).toBe('baton/a');
    expect(namedBatonBranch('HEAD', 'refs/heads/baton/integration')).toBe('baton/integration');
    expect(namedBatonBranch('baton/a~2', undefined)).toBe('baton/a');
    expect(namedBatonBranch('refs/heads/baton/a@{1}', undefined)).toBe('baton/a');
    expect(namedBatonBranch('main', 'refs/heads/main')).toBeUndefined();
    expect(namedBatonBranch('baton-x', 'refs/heads/baton-x')).toBeUndefined();
  });
});
