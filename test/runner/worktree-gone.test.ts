// An agent that removes its own worktree (`rm -rf "$BATON_WORKTREE"`, or `git worktree remove`) left
// its feature failed with "could not record the agent's work: spawn /bin/sh ENOENT", which blames the
// shell. The reason now says the worktree was removed, what of the work is kept, and the resume that
// makes the worktree again, which works as given.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a worktree removed while its agent ran', () => {
  it('fails the feature saying so, keeps its commits, and the resume it names makes the worktree again', async () => {
    const marker = 'removed-once';
    // The first time, the agent commits its work, then removes its worktree; run again, it finishes.
    const agent = [
      'mkdir -p src/f && echo f > src/f/x',
      `if [ ! -e "$BATON_WORKTREE/../${marker}" ]; then git add -A && git commit -qm work && touch "$BATON_WORKTREE/../${marker}" && cd / && rm -rf "$BATON_WORKTREE"; fi`,
    ].join('; ');
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'f', agent: { command: agent } }]),
    });
    repos.push(repo);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'f');
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(existsSync(wt)).toBe(false);
    expect(run.stdout).toContain(
      `f: failed — its worktree ${wt} was removed while the agent ran, so none of its uncommitted work could be recorded (what it committed is on baton/f); run it again with \`baton run --resume f\`, which makes the worktree again`,
    );
    expect(run.stdout).not.toContain('ENOENT');
    expect(repo.git('log', '-1', '--format=%s', 'baton/f')).toBe('work');

    const resumed = await runBaton(['run', '--resume', 'f'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(existsSync(join(wt, 'src', 'f', 'x'))).toBe(true);
    // Said as it happened: made again, not "reused".
    expect(resumed.stdout).toContain(`f: worktree ${wt} on baton/f (made again: its folder was gone)`);
  });
});

describe('an attempt’s worktree removed while its agent ran', () => {
  it('names the feature’s resume, which Baton takes, not the attempt’s unit id', async () => {
    // Attempt 1 removes its worktree once; attempt 2 fails its check: the feature is left to resume.
    const agent = [
      'mkdir -p src/f && echo f > src/f/x',
      'if [ "$BATON_ATTEMPT" = 1 ] && [ ! -e "$BATON_WORKTREE/../gone-once" ]; then touch "$BATON_WORKTREE/../gone-once"; cd / && rm -rf "$BATON_WORKTREE"; fi',
    ].join('; ');
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'f', agent: { command: agent }, criteria: [{ text: 'never', run: 'false' }] }]),
    });
    repos.push(repo);
    const run = await runBaton(['run', '--attempts', '2'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /f: attempt 1 failed — .*was removed while the agent ran.*run it again with `baton run --resume f`,/,
    );
    expect(run.stdout).not.toContain('--resume f.a1');
    const resumed = await runBaton(['run', '--resume', 'f'], { cwd: repo.root });
    expect(resumed.stderr).not.toContain('features/unknown');
    expect(resumed.stdout).toContain('f: failed-checks');
  });
});

describe('a worktree locked with `git worktree lock` whose folder is gone (a disk not mounted)', () => {
  it('is refused up front, naming the lock and the unlock, with nothing changed; once unlocked, the resume makes it again', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      // Fails until the marker beside the worktrees is there, so the feature is left to resume or restart.
      ...contractFiles([
        {
          id: 'f',
          agent: { command: 'mkdir -p src/f && echo f > src/f/x && test -e "$BATON_WORKTREE/../ok"' },
        },
      ]),
    });
    repos.push(repo);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'f');
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    repo.git('worktree', 'lock', wt);
    rmSync(wt, { recursive: true, force: true });
    const tip = repo.git('rev-parse', 'baton/f');

    for (const args of [
      ['run', '--resume', 'f'],
      ['run', '--resume', '--restart', 'f'],
      ['run', 'f'],
    ]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `baton: f: its worktree is locked and its folder ${wt} is missing (on a disk not mounted?)`,
      );
      expect(r.stderr).toContain('[run/worktree-locked-missing]');
      expect(r.stderr).toContain(`git worktree unlock ${wt}`);
      expect(r.stderr).not.toContain('does not exist');
    }
    expect(repo.git('rev-parse', 'baton/f')).toBe(tip);
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('worktree', 'list', '--porcelain')).toContain('locked');

    repo.git('worktree', 'unlock', wt);
    writeFileSync(join(wt, '..', 'ok'), '');
    const resumed = await runBaton(['run', '--resume', 'f'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(existsSync(join(wt, 'src', 'f', 'x'))).toBe(true);
  });
});
