// `--into` moves a checked-out branch with `git merge --ff-only`, which silently replaces an ignored
// file the result adds (a local secret, Baton's own log): such files, and untracked ones, are found
// first and the move refused, nothing changed. Real repositories.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { fastForwardBranch } from '../../src/git/fast-forward.js';
import { racingGit } from '../rig/git-shim.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  vi.unstubAllEnvs();
});

/**
 * A repository on `main` (`files` committed) and a commit `next` above it on branch `next` made by
 * `change` in a worktree-free way: checkout, edit with `git add -f`, commit, back to main.
 */
function repoWithNext(
  files: Record<string, string>,
  change: (r: TempRepo) => void,
): { r: TempRepo; next: string } {
  const r = makeRepo(files);
  repos.push(r);
  r.git('switch', '-q', '-c', 'next');
  change(r);
  r.git('commit', '-q', '-m', 'next');
  const next = r.git('rev-parse', 'HEAD');
  r.git('switch', '-q', 'main');
  return { r, next };
}

/** The commands the caller (integrate) gives a refusal to name: its --test and --into carried. */
const GO_ON = {
  continue: "baton integrate --continue --test 'npm test' --into main",
  fresh: "baton integrate --fresh --test 'npm test' --into main",
};

/** The refusal `fastForwardBranch` throws, or a failure when it moves the branch. */
async function refusal(r: TempRepo, commit: string): Promise<UserError> {
  const err = await fastForwardBranch(r.root, 'main', commit, GO_ON).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('fastForwardBranch in a checkout', () => {
  it('refuses, changing nothing, when the result adds files the checkout ignores or does not track', async () => {
    const { r, next } = repoWithNext({ '.gitignore': '.baton/\nlocal.cfg\n', 'README.md': '# x\n' }, (r) => {
      r.write({ '.baton/log.jsonl': '{"forged":true}\n', 'conf/local.cfg': 'theirs\n', 'new.txt': 'n\n' });
      r.git('add', '-f', '.baton/log.jsonl', 'conf/local.cfg', 'new.txt');
    });
    r.write({ '.baton/log.jsonl': '{"real":true}\n', 'conf/local.cfg': 'SECRET\n', 'new.txt': 'mine\n' });
    const before = r.git('rev-parse', 'main');
    const err = await refusal(r, next);
    expect(err.code).toBe('integrate/into-overwrites');
    expect(err.message).toBe(
      `cannot fast-forward main: it would overwrite 3 file(s) in ${r.root} that git does not track there (untracked or ignored): .baton/log.jsonl, conf/local.cfg, new.txt`,
    );
    expect(err.hint).toContain(`git -C ${r.root} merge --ff-only ${next}`);
    expect(r.git('rev-parse', 'main')).toBe(before);
    expect(readFileSync(join(r.root, '.baton/log.jsonl'), 'utf8')).toBe('{"real":true}\n');
    expect(readFileSync(join(r.root, 'conf/local.cfg'), 'utf8')).toBe('SECRET\n');
  });

  it('with uncommitted changes names the untracked files in the way too, so its stash-then-merge hint holds', async () => {
    const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
      r.write({ 'new.txt': 'theirs\n' });
      r.git('add', 'new.txt');
    });
    r.write({ 'README.md': '# edited\n', 'new.txt': 'mine\n' });
    const before = r.git('rev-parse', 'main');
    const err = await refusal(r, next);
    expect(err.code).toBe('integrate/into-dirty');
    expect(err.message).toBe(
      `cannot fast-forward main: it is checked out in ${r.root} with uncommitted changes (README.md), and it would overwrite 1 file(s) in ${r.root} that git does not track there (untracked or ignored): new.txt`,
    );
    expect(err.hint).toMatch(
      /^Move the untracked or ignored files out of the way \(git stash does not take them\) and stash the changes/,
    );
    expect(r.git('rev-parse', 'main')).toBe(before);
    expect(readFileSync(join(r.root, 'new.txt'), 'utf8')).toBe('mine\n');
    // Following the hint works: the file moved away and the changes stashed, git fast-forwards.
    rmSync(join(r.root, 'new.txt'));
    r.git('stash', '-q');
    await fastForwardBranch(r.root, 'main', next, GO_ON);
    expect(r.git('rev-parse', 'main')).toBe(next);
  });

  it('counts a staged file the result also adds among the changes, not as untracked', async () => {
    const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
      r.write({ 'new.txt': 'theirs\n' });
      r.git('add', 'new.txt');
    });
    r.write({ 'new.txt': 'mine\n' });
    r.git('add', 'new.txt');
    const err = await refusal(r, next);
    expect(err.code).toBe('integrate/into-dirty');
    expect(err.message).toBe(
      `cannot fast-forward main: it is checked out in ${r.root} with uncommitted changes (new.txt)`,
    );
    expect(err.hint).toMatch(/^Stash them/);
    expect(err.hint).toContain(
      `if you commit them instead, main is no longer behind the integration: run \`${GO_ON.fresh}\``,
    );
  });

  it('refuses for an ignored file where the result needs a folder or inside a folder it makes a file, not for what it tracked', async () => {
    // Besides: a tracked folder becomes a file and a tracked file a folder; git replaces what it tracks.
    const files = { '.gitignore': 'build\ncache/\n', 'dir/a.txt': 'a\n', 'file.txt': 'f\n' };
    const { r, next } = repoWithNext(files, (r) => {
      r.git('rm', '-q', 'dir/a.txt', 'file.txt');
      r.write({ dir: 'now a file\n', 'file.txt/inner.txt': 'now a folder\n', 'build/out.js': 'theirs\n' });
      r.write({ cache: 'now a file\n' });
      r.git('add', '-A');
      r.git('add', '-f', 'build/out.js', 'cache');
    });
    r.write({ build: 'my ignored file\n', 'cache/a/b.bin': 'mine\n' });
    const err = await refusal(r, next);
    expect(err.message).toMatch(
      /that git does not track there \(untracked or ignored\): build, cache\/a\/b\.bin$/,
    );
    expect(readFileSync(join(r.root, 'build'), 'utf8')).toBe('my ignored file\n');
    rmSync(join(r.root, 'build'));
    rmSync(join(r.root, 'cache'), { recursive: true });
    const moved = await fastForwardBranch(r.root, 'main', next, GO_ON);
    expect(moved.via).toBe('merge-ff-only');
    expect(r.git('rev-parse', 'main')).toBe(next);
    expect(readFileSync(join(r.root, 'dir'), 'utf8')).toBe('now a file\n');
  });

  it('names ten files and how many more', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `gen/f${String(i).padStart(2, '0')}.txt`);
    const { r, next } = repoWithNext({ '.gitignore': 'gen/\n' }, (r) => {
      r.write(Object.fromEntries(names.map((n) => [n, 'theirs\n'])));
      r.git('add', '-f', ...names);
    });
    r.write(Object.fromEntries(names.map((n) => [n, 'mine\n'])));
    const err = await refusal(r, next);
    expect(err.message).toContain('it would overwrite 12 file(s)');
    expect(err.message).toMatch(/gen\/f09\.txt and 2 more$/);
    rmSync(join(r.root, 'gen'), { recursive: true });
    expect((await fastForwardBranch(r.root, 'main', next, GO_ON)).via).toBe('merge-ff-only');
  });
});

describe('fastForwardBranch where no checkout has the branch', () => {
  it('leaves a branch another process moved between its read and its move where that process put it: integrate/into-moved', async () => {
    const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
      r.write({ 'new.txt': 'n\n' });
      r.git('add', '-A');
    });
    const main = r.git('rev-parse', 'main');
    r.git('branch', 'dev', main);
    const theirs = r.git('commit-tree', 'main^{tree}', '-p', main, '-m', 'theirs');
    // Just before the fast-forward moves dev, another process moves it: the race, made certain.
    const racing = racingGit(join(r.root, '..'), {
      when: 'update-ref -m baton integrate --into',
      first: ['update-ref', 'refs/heads/dev', theirs],
    });
    const path = process.env.PATH;
    process.env.PATH = racing.path;
    let err: unknown;
    try {
      err = await fastForwardBranch(r.root, 'dev', next, GO_ON).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      process.env.PATH = path;
    }
    expect(err).toBeInstanceOf(UserError);
    expect(err).toMatchObject({
      code: 'integrate/into-moved',
      message: `cannot fast-forward dev: another process moved it while integrate ran (it was at ${main.slice(0, 10)}); it was left where that process put it`,
    });
    // The start over it names runs the integration's tests again, as the caller gave them.
    expect((err as UserError).hint).toContain(`\`${GO_ON.fresh}\``);
    expect(r.git('rev-parse', 'dev')).toBe(theirs);
  });
});

describe('fastForwardBranch where git counts the branch checked out in a worktree that is gone', () => {
  it('refuses naming that worktree, with the prune and the --continue that then moves it: integrate/into-stale-worktree', async () => {
    const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
      r.write({ 'new.txt': 'n\n' });
      r.git('add', '-A');
    });
    const main = r.git('rev-parse', 'main');
    // main checked out in a linked worktree whose folder was deleted: git lists it "prunable".
    r.git('switch', '-q', '-c', 'dev');
    const gone = join(r.root, '..', 'repo-main');
    r.git('worktree', 'add', '-q', gone, 'main');
    rmSync(gone, { recursive: true, force: true });
    const err = await refusal(r, next);
    expect(err.code).toBe('integrate/into-stale-worktree');
    expect(err.message).toBe(
      `cannot fast-forward main: git counts it as checked out in ${gone}, a worktree whose folder is gone`,
    );
    expect(err.hint).toBe(
      `If that worktree is gone for good, have git forget it (git -C ${r.root} worktree prune), then run \`${GO_ON.continue}\`; if its folder was moved, repair it (git -C ${r.root} worktree repair <its new path>) and run the same.`,
    );
    expect(r.git('rev-parse', 'main')).toBe(main);
    // The way on it names works.
    r.git('worktree', 'prune');
    await fastForwardBranch(r.root, 'main', next, GO_ON);
    expect(r.git('rev-parse', 'main')).toBe(next);
  });
});

describe("fastForwardBranch with the user's branch.<name>.mergeOptions", () => {
  // `git merge --ff-only` obeys it: with --squash main stayed put and the changes were left staged,
  // with -s ours main got a merge commit holding its old files; Baton said it fast-forwarded either way.
  it.each(['--squash', '-s ours'])(
    'fast-forwards main all the same with mergeOptions %s',
    async (options) => {
      const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
        r.write({ 'new.txt': 'n\n' });
        r.git('add', '-A');
      });
      const config = join(r.root, '..', 'gitconfig');
      writeFileSync(config, `[branch "main"]\n\tmergeOptions = ${options}\n`);
      vi.stubEnv('GIT_CONFIG_GLOBAL', config);
      const from = r.git('rev-parse', 'main');
      const moved = await fastForwardBranch(r.root, 'main', next, GO_ON);
      expect(moved).toEqual({ branch: 'main', from, to: next, via: 'merge-ff-only' });
      expect(r.git('rev-parse', 'main')).toBe(next);
      expect(r.git('status', '--porcelain')).toBe('');
      expect(readFileSync(join(r.root, 'new.txt'), 'utf8')).toBe('n\n');
    },
  );

  it('says the move failed, never that it moved, when git leaves the branch elsewhere: integrate/into-failed', async () => {
    const { r, next } = repoWithNext({ 'README.md': '# x\n' }, (r) => {
      r.write({ 'new.txt': 'n\n' });
      r.git('add', '-A');
    });
    const from = r.git('rev-parse', 'main');
    const beyond = r.git('commit-tree', `${next}^{tree}`, '-p', next, '-m', 'beyond');
    // Just before the merge another process moves main past the result: git says "Already up to date".
    const racing = racingGit(join(r.root, '..'), {
      when: 'merge --ff-only',
      first: ['update-ref', 'refs/heads/main', beyond],
    });
    vi.stubEnv('PATH', racing.path);
    const err = await refusal(r, next);
    expect(err.code).toBe('integrate/into-failed');
    expect(err.message).toBe(
      `git merge --ff-only in ${r.root} did not move main to the integration result ${next.slice(0, 10)}: main is at ${beyond.slice(0, 10)} (it was at ${from.slice(0, 10)})`,
    );
  });
});
