// Baton's own commits and merges are Baton's, never signed with the user's key: `commit.gpgSign` in the
// repository's config with a signing program that fails must not fail a run or an integration, nor may
// `merge.verifySignatures` (Baton's commits are unsigned) or `pull.twohead` (the strategy) change its
// merges. A merge git fails for a reason of its own (neither a conflict nor untracked files) stops the
// integration with git's reason and a hint, undone, never an internal error with a half-done merge
// left behind.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { logEvents, ownFileFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
  vi.unstubAllEnvs();
});

/** `lines` as the user's own ~/.gitconfig (`GIT_CONFIG_GLOBAL`), beside the repository `r`. */
function userConfig(r: TempRepo, lines: string): void {
  const file = join(r.root, '..', 'gitconfig');
  writeFileSync(file, lines);
  vi.stubEnv('GIT_CONFIG_GLOBAL', file);
}

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');

/** Signing on, with a `gpg.program` that always fails: any commit git signs fails. */
function signingFails(r: TempRepo): void {
  r.git('config', 'commit.gpgSign', 'true');
  r.git('config', 'tag.gpgSign', 'true');
  r.git('config', 'gpg.program', 'false');
}

/**
 * A `git` first on PATH that, for a `merge --no-ff`, puts `config` back (after Baton's own options,
 * just before the subcommand): by default signing with a program that fails, so that git begins the
 * merge and cannot commit it.
 */
function unsignableMergeGit(
  dir: string,
  config: readonly string[] = ['-c', 'commit.gpgSign=true', '-c', 'gpg.program=false'],
): string {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, `merge-git-${config.join('').replace(/[^\w]/g, '')}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'git'),
    [
      '#!/bin/bash',
      `case "$*" in *'merge --no-ff'*) ;; *) exec '${realGit}' "$@" ;; esac`,
      'args=(); seen=0',
      'for a in "$@"; do',
      `  if [ $seen = 0 ] && [ "$a" = merge ]; then args+=(${config.join(' ')}); seen=1; fi`,
      '  args+=("$a")',
      'done',
      `exec '${realGit}' "\${args[@]}"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'git'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/**
 * A `git` first on PATH whose `merge --no-ff` may write no file larger than 100 KiB (`ulimit -f`,
 * SIGXFSZ ignored so the write fails with EFBIG rather than killing git): the same path as a full
 * disk, git's `unable to write file`, the file half-written and no merge in progress.
 */
function sizeLimitedMergeGit(dir: string): string {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'size-limited-merge-git');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'git'),
    [
      '#!/bin/bash',
      `case "$*" in *'merge --no-ff'*) trap '' XFSZ; ulimit -f 100 ;; esac`,
      `exec '${realGit}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'git'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** `baton integrate` in `root` with `path` as PATH (a git wrapper first), in-process: the spawns see it too. */
async function integrateWithGitOn(path: string, root: string): Promise<Awaited<ReturnType<typeof runBaton>>> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await runBaton(['integrate'], { cwd: root });
  } finally {
    process.env.PATH = saved;
  }
}

describe('commit.gpgSign in the user config', () => {
  it('does not fail the commit of an agent’s work', async () => {
    repo = ownFileFeatures(['a']);
    signingFails(repo);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('gpg');
    expect(repo.git('show', '-s', '--format=%G?', 'baton/a')).toBe('N');
  });

  it('does not fail the integration’s merges', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    signingFails(repo);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 of 2 merged');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });
});

describe('merge settings in the user config', () => {
  it('merge.verifySignatures does not refuse Baton’s own unsigned commits', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    userConfig(repo, '[merge]\n\tverifySignatures = true\n');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 of 2 merged');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });

  it('pull.twohead=ours does not merge the features to nothing: main holds their files', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    userConfig(repo, '[pull]\n\ttwohead = ours\n\toctopus = ours\n');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main', 'src')).toBe('src/a/index.ts\nsrc/b/index.ts');
    expect(repo.git('diff', '--stat', 'baton/a', 'main', '--', 'src/a')).toBe('');
  });
});

describe('a merge git fails for a reason of its own', () => {
  it('stops with git’s reason and a hint when git refuses (merge.verifySignatures past Baton’s options)', async () => {
    repo = projectRepo([{ id: 'a' }]);
    vi.stubEnv('PATH', unsignableMergeGit(join(repo.root, '..'), ['-c', 'merge.verifySignatures=true']));
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).toMatch(
      /could not merge baton\/a: git said: fatal: Commit \w+ does not have a GPG signature/,
    );
    expect(r.stderr).toContain('[integrate/merge-failed]');
    expect(r.stderr).toContain('baton integrate --continue');
    // No merge by hand: one that fails writing files leaves them untracked, in the way of --continue.
    expect(r.stderr).toContain(
      'hint: Remove the cause git names (free disk space, or fix the failing gpg.program, merge driver or hook in your git config), then run `baton integrate --continue`: it merges baton/a again, undoing what a failed merge wrote.',
    );
    expect(r.stderr).not.toContain('merge --no-ff');
  });

  it('undoes a merge git began and could not commit, and --continue merges once the cause is gone', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const r = await integrateWithGitOn(unsignableMergeGit(join(repo.root, '..')), repo.root);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).toContain('could not merge baton/a: git said: error: gpg failed to sign the data');
    const wt = integrationWorktree(repo);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
    expect(() => repo?.git('-C', wt, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).toThrow();

    const c = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(
      logEvents(repo)
        .filter((e) => e.type === 'merge.clean')
        .map((e) => e.feature_id),
    ).toEqual(['a', 'b']);
  });

  it('removes the half-written files of a merge that failed writing the worktree (a full disk), and --continue merges it', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const before = repo.git('symbolic-ref', '--short', 'HEAD');
    repo.git('checkout', '-q', 'baton/b');
    repo.commit('b: big file', { 'src/b/data/big.bin': 'x'.repeat(300_000) });
    repo.git('checkout', '-q', before);
    recordStatus(repo, ['b']);
    const r = await integrateWithGitOn(sizeLimitedMergeGit(join(repo.root, '..')), repo.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'could not merge baton/b: git said: error: unable to write file src/b/data/big.bin',
    );
    const wt = integrationWorktree(repo);
    expect(repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(existsSync(join(wt, 'src', 'b'))).toBe(false);
    expect(existsSync(join(wt, 'src', 'a', 'index.ts'))).toBe(true);

    // No end was recorded, and nothing was killed: status does not say it was.
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).toContain(
      'the last integration never recorded its end (its `baton integrate` was killed, or stopped at an error it printed), merged 1 of 2 (a)',
    );

    const c = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stderr).not.toContain('untracked-in-the-way');
    expect(
      logEvents(repo)
        .filter((e) => e.type === 'merge.clean')
        .map((e) => e.feature_id),
    ).toEqual(['a', 'b']);
  });
});
