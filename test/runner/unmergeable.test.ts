// What a feature's branch must never carry: a nested git repository (`git add --all` takes it as a
// gitlink, a pointer to a commit nobody else has, not its files) and Baton's own `.baton/` state. The
// feature fails naming the paths, Baton takes its commit back, and the agent's work stays in the
// worktree. Real runs of command agents, real git.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const worktreeOf = (repo: TempRepo, id: string) => join(`${repo.root}.baton-worktrees`, id);

function ended(repo: TempRepo, id: string): { status?: string; reason?: string } {
  const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
  const e = events.findLast((e) => e.type === 'feature.ended' && e.feature_id === id);
  return e?.type === 'feature.ended' ? { status: e.status, ...(e.reason ? { reason: e.reason } : {}) } : {};
}

/** Shell lines that make a repository of its own in `dir` with one committed file. */
const nestedRepo = (dir: string) =>
  `mkdir -p ${dir} && (cd ${dir} && git init -q && echo n > n && git add n && git -c user.name=x -c user.email=x@x commit -qm n)`;

describe('a nested git repository in the agent work', () => {
  it('fails the feature and keeps its work uncommitted, unless .gitmodules registers it', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'f',
          owns: ['**'],
          agent: { command: `mkdir -p c && echo c > c/c && ${nestedRepo('nest/sub')}` },
        },
        // The agent commits the gitlink itself: the branch holds it, the feature fails all the same.
        {
          id: 'g',
          owns: ['**'],
          agent: { command: `${nestedRepo('vendor/lib')} && git add vendor/lib && git commit -qm lib` },
        },
        // A submodule that .gitmodules registers is a feature's work like any other.
        {
          id: 'h',
          owns: ['**'],
          agent: {
            command: `${nestedRepo('mod')} && printf '[submodule "mod"]\\n\\tpath = mod\\n\\turl = ./mod\\n' > .gitmodules`,
          },
        },
      ]),
    });
    repos.push(repo);
    const base = repo.git('rev-parse', 'main');
    const r = await runBaton(['run', '-j', '3'], { cwd: repo.root });
    expect(r.code).toBe(1);

    expect(ended(repo, 'f')).toEqual({
      status: 'failed',
      reason: `nest/sub is a nested git repository (it has its own .git): git would commit only a pointer to its HEAD (a gitlink, with no .gitmodules entry), not its files; remove nest/sub/.git to make its files part of the feature, or register it with git submodule add; Baton committed nothing: the agent's 2 changed path(s) are left uncommitted in ${worktreeOf(repo, 'f')}`,
    });
    expect(r.stdout).toContain('f: failed — nest/sub is a nested git repository');
    // Baton's commit was taken back: the branch is the base; the files are where the agent left them.
    expect(repo.git('rev-parse', 'baton/f')).toBe(base);
    const wt = worktreeOf(repo, 'f');
    expect(readFileSync(join(wt, 'nest/sub/n'), 'utf8')).toBe('n\n');
    expect(readFileSync(join(wt, 'c/c'), 'utf8')).toBe('c\n');
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('?? c/\n?? nest/');

    expect(ended(repo, 'g')).toMatchObject({ status: 'failed' });
    expect(ended(repo, 'g').reason).toMatch(/^vendor\/lib is a nested git repository/);

    expect(ended(repo, 'h')).toEqual({ status: 'complete' });
    expect(repo.git('ls-tree', 'baton/h', 'mod')).toMatch(/^160000 commit /);
  });

  it('explains a nested repository with no commit yet, which git add --all refuses, and keeps the work uncommitted', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'u',
          owns: ['**'],
          agent: { command: 'mkdir -p c/inner && echo c > c/c && (cd c/inner && git init -q && echo n > n)' },
        },
      ]),
    });
    repos.push(repo);
    const base = repo.git('rev-parse', 'main');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const reason = ended(repo, 'u').reason ?? '';
    expect(reason).toMatch(/^git could not add the agent's work: c\/inner is a nested git repository/);
    expect(reason).toContain('remove c/inner/.git');
    expect(reason).toContain(
      `Baton committed nothing: the agent's 2 changed path(s) are left uncommitted in ${worktreeOf(repo, 'u')}`,
    );
    expect(reason).not.toContain('exit 128');
    expect(repo.git('rev-parse', 'baton/u')).toBe(base);
    expect(readFileSync(join(worktreeOf(repo, 'u'), 'c/inner/n'), 'utf8')).toBe('n\n');
  });
});

describe("Baton's own state in the agent work", () => {
  it('fails a feature whose work adds files under .baton/, and integrate has nothing to merge', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 's',
          agent: {
            command:
              'mkdir -p src/s .baton && echo s > src/s/s.txt && echo \'{"feature_id":"zzz","status":"complete"}\' > .baton/log.jsonl && git add -f .baton/log.jsonl',
          },
        },
      ]),
    });
    repos.push(repo);
    const base = repo.git('rev-parse', 'main');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(ended(repo, 's')).toEqual({
      status: 'failed',
      reason: `the feature adds Baton's own state (.baton/log.jsonl), which must never be committed: merged, it would replace the project's; leave .baton/ out of the work (git rm -r --cached .baton, if a commit of the agent's holds it); Baton committed nothing: the agent's 1 changed path(s) are left uncommitted in ${worktreeOf(repo, 's')}`,
    });
    expect(repo.git('rev-parse', 'baton/s')).toBe(base);
    expect(existsSync(join(worktreeOf(repo, 's'), 'src/s/s.txt'))).toBe(true);

    const integrate = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(integrate.code).toBe(1);
    expect(integrate.stderr).toContain('not merged: s (failed: the feature adds Baton');
    expect(repo.git('rev-parse', 'main')).toBe(base);
    expect(readFileSync(join(repo.root, '.baton', 'log.jsonl'), 'utf8')).not.toContain('zzz');
  });
});
