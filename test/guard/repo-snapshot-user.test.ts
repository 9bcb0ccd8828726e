// The user keeps working in the main checkout while agents run: their stash, their checkouts and their
// commits are worded so they recognise them, a stash an agent popped says how to get it back, and a
// ref made and removed again between two looks is reported both ways.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChange } from '../../src/guard/repo-change.js';
import { RepoGuard } from '../../src/guard/repo-guard.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

/** A repository with the user's tracked `base.txt` and a worktree `wt-a` on `baton/a`. */
function userRepo(): { wt: string; inWt: (...args: string[]) => string } {
  repo = makeRepo({ 'base.txt': 'base\n' });
  const wt = join(repo.root, '..', 'wt-a');
  repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, 'main');
  const inWt = (...args: string[]) =>
    execFileSync('git', args, { cwd: wt, env: GIT_ENV, encoding: 'utf8' }).trim();
  return { wt, inWt };
}

/** Stashes a change to base.txt in the main checkout with `message`; the stash commit. */
function userStash(message: string): string {
  repo.write({ 'base.txt': `${message}\n` });
  repo.git('stash', 'push', '-q', '-m', message);
  return repo.git('rev-parse', 'stash@{0}');
}

const words = async (guard: RepoGuard) => (await guard.check()).map(describeChange);

describe('RepoGuard: the stash, shared by every worktree', () => {
  it("reports the user's stash an agent popped, with how to restore it, and one the user added", async () => {
    const { inWt } = userRepo();
    const older = userStash('older work');
    const mine = userStash('my wip');
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    guard.agentStarted('a');
    // The agent's `git stash; …; git stash pop` in its clean worktree pops the user's top stash.
    inWt('stash');
    inWt('stash', 'pop');
    guard.agentEnded('a');
    expect(await words(guard)).toEqual([
      `stash entry removed: On main: my wip (restore with: git stash store -m 'On main: my wip' ${mine})`,
    ]);
    // The restore command given brings it back, as the top entry again.
    execFileSync('sh', ['-c', `git stash store -m 'On main: my wip' ${mine}`], {
      cwd: repo.root,
      env: GIT_ENV,
    });
    expect(repo.git('stash', 'list', '--format=%H %gs')).toBe(
      `${mine} On main: my wip\n${older} On main: older work`,
    );
    // Restored: the entry is back as at the start, so that is reported too (terse), and nothing more.
    expect(await words(guard)).toEqual([`stash entry added (${mine.slice(0, 8)})`]);
    expect(await words(guard)).toEqual([]);
  });

  it('reports a stash made during the run and popped by a later agent before any look', async () => {
    const { inWt } = userRepo();
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    guard.agentStarted('x');
    const mine = userStash('made while x ran');
    // The next agent starts (seeing the stash), pops it, and the look comes only after that.
    guard.agentStarted('a');
    inWt('stash', 'pop');
    guard.agentEnded('x');
    guard.agentEnded('a');
    expect(await words(guard)).toEqual([
      `stash entry removed: On main: made while x ran (restore with: git stash store -m 'On main: made while x ran' ${mine})`,
    ]);
    expect(await words(guard)).toEqual([]);
  });

  it('escapes control characters of a stash message and quotes it for the shell', async () => {
    userRepo();
    const evil = userStash("it's \x1b[2J\u202enot mine");
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    repo.git('stash', 'drop', '-q');
    const said = await words(guard);
    expect(said).toEqual([
      `stash entry removed: On main: it's \\x1b[2J\\u202enot mine (restore with: git stash store -m 'On main: it'\\''s \\x1b[2J\\u202enot mine' ${evil})`,
    ]);
  });
});

describe('RepoGuard: a stash log that cannot be read', () => {
  it('compares the stash as its ref then, and says nothing of the entries it cannot see', async () => {
    userRepo();
    const mine = userStash('my wip');
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    repo.git('stash', 'drop', '-q');
    expect(await words(guard)).toEqual([expect.stringMatching(/^stash entry removed: On main: my wip /)]);
    const next = userStash('another');
    // The log replaced by a symlink: not followed, so the entries are unknown (not all gone, not back).
    const log = join(repo.root, '.git', 'logs', 'refs', 'stash');
    renameSync(log, `${log}.real`);
    symlinkSync(`${log}.real`, log);
    expect(await words(guard)).toEqual([`ref refs/stash moved ${mine.slice(0, 8)} → ${next.slice(0, 8)}`]);
  });
});

describe('RepoGuard: HEAD and moved branches, worded', () => {
  it('shows a symbolic HEAD whole and a commit short, each with its reflog message', async () => {
    userRepo();
    repo.git('branch', 'dev');
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    const start = repo.git('rev-parse', 'dev');
    repo.git('checkout', '-q', 'dev');
    // A commit after the checkout: HEAD's last reflog entry, but not what sent HEAD to dev.
    const at = repo.commit('on dev', { 'base.txt': 'dev\n' });
    expect((await words(guard)).sort()).toEqual([
      'HEAD: refs/heads/main → refs/heads/dev (checkout: moving from main to dev)',
      `ref refs/heads/dev moved ${start.slice(0, 8)} → ${at.slice(0, 8)} (commit: on dev)`,
    ]);
    repo.git('checkout', '-q', '--detach');
    expect(await words(guard)).toEqual([
      `HEAD: refs/heads/dev → ${at.slice(0, 8)} (checkout: moving from dev to HEAD)`,
    ]);
  });

  it("adds the branch's last reflog message to its move, escaped and cut", async () => {
    userRepo();
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    const before = repo.git('rev-parse', 'main');
    const after = repo.commit('my own work', { 'base.txt': 'mine\n' });
    expect(await words(guard)).toEqual([
      `ref refs/heads/main moved ${before.slice(0, 8)} → ${after.slice(0, 8)} (commit: my own work)`,
    ]);
    const long = `evil \x1b]8;;http://x\x07 ${'y'.repeat(300)}`;
    const last = repo.commit(long, { 'base.txt': 'again\n' });
    const [said] = await words(guard);
    expect(said).toMatch(
      new RegExp(
        `^ref refs/heads/main moved ${after.slice(0, 8)} → ${last.slice(0, 8)} \\(commit: evil \\\\x1b\\]8;;http://x\\\\x07 y+…\\)$`,
      ),
    );
    expect(said?.length).toBeLessThan(200);
  });

  it('leaves the message out when the reflog does not end at the ref’s new commit', async () => {
    userRepo();
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    const before = repo.git('rev-parse', 'main');
    const other = repo.commit('on main', { 'base.txt': 'x\n' });
    // The reflog ends at an older commit (it was rewritten, or the move was not logged): no stale message.
    const log = join(repo.root, '.git', 'logs', 'refs', 'heads', 'main');
    writeFileSync(log, `${readFileSync(log, 'utf8').split('\n')[0]}\n`);
    expect(await words(guard)).toEqual([
      `ref refs/heads/main moved ${before.slice(0, 8)} → ${other.slice(0, 8)}`,
    ]);
  });
});

describe('RepoGuard: a change undone between two looks', () => {
  it('reports a ref created then deleted, and a config key added then removed, each once', async () => {
    userRepo();
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    repo.git('branch', 'tmp');
    const tmp = repo.git('rev-parse', 'tmp');
    repo.git('config', 'user.signingkey', 'abc');
    expect((await words(guard)).sort()).toEqual([
      'git config user.signingkey added ("abc")',
      'ref refs/heads/tmp created',
    ]);
    repo.git('branch', '-q', '-D', 'tmp');
    repo.git('config', '--unset', 'user.signingkey');
    expect((await words(guard)).sort()).toEqual([
      'git config user.signingkey removed',
      `ref refs/heads/tmp deleted (was ${tmp.slice(0, 8)}; restore with: git update-ref refs/heads/tmp ${tmp})`,
    ]);
    expect(await words(guard)).toEqual([]);
  });

  it('reports a further move from what the last look said, and a move back to the start', async () => {
    userRepo();
    const start = repo.git('rev-parse', 'main');
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    repo.git('branch', 'side');
    const one = repo.commit('one', { 'base.txt': '1\n' });
    expect(await words(guard)).toEqual([
      `ref refs/heads/main moved ${start.slice(0, 8)} → ${one.slice(0, 8)} (commit: one)`,
      'ref refs/heads/side created',
    ]);
    const two = repo.commit('two', { 'base.txt': '2\n' });
    expect(await words(guard)).toEqual([
      `ref refs/heads/main moved ${one.slice(0, 8)} → ${two.slice(0, 8)} (commit: two)`,
    ]);
    repo.git('reset', '-q', '--hard', start);
    expect(await words(guard)).toEqual([
      `ref refs/heads/main moved ${two.slice(0, 8)} → ${start.slice(0, 8)} (reset: moving to ${start})`,
    ]);
    expect(await words(guard)).toEqual([]);
  });
});
