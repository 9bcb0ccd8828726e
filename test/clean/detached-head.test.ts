/**
 * A feature's worktree left on a detached HEAD with commits there that no branch has (an agent's
 * `git checkout <sha>`, a rebase that stopped). `baton clean a` deleted `baton/a` and left the worktree,
 * after which clean found nothing to clean and the commits hung on that worktree's HEAD alone. clean now
 * proves the worktree the feature's own, refuses while its HEAD holds commits merged nowhere, and with
 * `--force` keeps that HEAD under refs/baton/clean-backup/ before the worktree goes; doctor, which said
 * all was well, warns of it.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CleanDecision, decideClean, removeTargets } from '../../src/clean/clean.js';
import { inspectCleanTargets } from '../../src/clean/inspect.js';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { initialState } from '../../src/log/fold.js';
import { addFeatureWorktree, commitIn, projectRepo, worktreePath } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Feature `a`'s worktree, detached at its branch's tip, with one commit made there. */
function detachedWithWork(): { repo: TempRepo; wt: string; head: string } {
  const r = projectRepo(['a']);
  const wt = addFeatureWorktree(r, 'a');
  r.git('-C', wt, 'checkout', '-q', '--detach');
  const head = commitIn(r, wt, "the agent's work", { 'src/a/work.txt': 'work\n' });
  return { repo: r, wt, head };
}

describe('baton clean: a feature worktree on a detached HEAD holding commits no branch has', () => {
  it('is refused with its branch, naming the HEAD and the switch that keeps its work; nothing is touched', async () => {
    const t = detachedWithWork();
    repo = t.repo;
    const tip = repo.git('rev-parse', 'baton/a');
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `a  its worktree is on a detached HEAD (at ${t.head.slice(0, 10)}) with 1 commit not merged into baton/a or main`,
    );
    expect(r.stdout).toContain(
      `hint: a: keep it on baton/a with \`git -C ${t.wt} switch -C baton/a\`, then go on with it (\`baton run --resume a\`, or integrate it); or \`baton clean --force a\` removes the worktree, keeping its HEAD under refs/baton/clean-backup/.`,
    );
    // The branch is not deleted from under its worktree: both are there as they were.
    expect(repo.git('rev-parse', 'baton/a')).toBe(tip);
    expect(repo.git('-C', t.wt, 'rev-parse', 'HEAD')).toBe(t.head);
    // --merged keeps it, as any unmerged work.
    const merged = await runBaton(['clean', '--merged', 'a'], { cwd: repo.root });
    expect(merged.stdout).toContain('Kept 1 not merged (--merged):');
    expect(existsSync(t.wt)).toBe(true);
  });

  it('its branch deleted by hand and its HEAD detached below the work: refused while the reflog alone holds it; --force keeps it', async () => {
    const r = projectRepo(['a']);
    repo = r;
    const wt = addFeatureWorktree(r, 'a');
    commitIn(r, wt, 'first', { 'src/a/one.txt': '1\n' });
    const work = commitIn(r, wt, 'second', { 'src/a/two.txt': '2\n' });
    r.git('-C', wt, 'checkout', '-q', '--detach', 'HEAD~2');
    r.git('branch', '-D', 'baton/a');
    const refused = await runBaton(['clean'], { cwd: r.root });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toContain(
      `its branch baton/a no longer exists (deleted by hand?), and its worktree's reflog holds 2 commit(s) that neither its detached HEAD nor any merge target has, last at ${work} (git branch baton/a ${work} restores them)`,
    );
    expect(existsSync(wt)).toBe(true);
    const forced = await runBaton(['clean', '--force', 'a'], { cwd: r.root });
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(existsSync(wt)).toBe(false);
    // The work is kept: a backup ref holds it.
    expect(r.git('for-each-ref', '--format=%(objectname)', 'refs/baton/clean-backup/')).toContain(work);
  });

  it('--force removes the worktree and the branch, keeping the HEAD under a backup ref that restores it', async () => {
    const t = detachedWithWork();
    repo = t.repo;
    const backup = `refs/baton/clean-backup/a/${t.head}`;
    const r = await runBaton(['clean', '--force', '--json', 'a'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { removed: Array<Record<string, unknown>> };
    expect(json.removed[0]).toMatchObject({
      feature_id: 'a',
      detached_head: t.head,
      head_kept_as: backup,
      kept_as: null,
      removed_worktree: true,
      deleted_branch: true,
    });
    expect(existsSync(t.wt)).toBe(false);
    expect(repo.git('rev-parse', backup)).toBe(t.head);
    expect(repo.git('log', '-1', '--format=%s', backup)).toBe("the agent's work");
  });

  it('with its branch already gone (as an earlier clean left it): still found, refused, and removed with --force', async () => {
    const t = detachedWithWork();
    repo = t.repo;
    repo.git('branch', '-D', 'baton/a');
    const dry = await runBaton(['clean', '--all', '--force', '--dry-run'], { cwd: repo.root });
    expect(dry.stdout).not.toContain('Nothing to clean');
    expect(dry.stdout).toContain(
      `a  worktree ${t.wt} (on a detached HEAD at ${t.head.slice(0, 10)}); the commit its detached HEAD was at, ${t.head}, is kept as refs/baton/clean-backup/a/${t.head} (git branch baton/a ${t.head} restores it)`,
    );
    const refused = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      `its worktree is on a detached HEAD (at ${t.head.slice(0, 10)}) with 1 commit not merged into main`,
    );
    // The branch is made again where HEAD is.
    expect(refused.stdout).toContain(`keep it on baton/a with \`git -C ${t.wt} switch -C baton/a\``);
    const forced = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(existsSync(t.wt)).toBe(false);
    expect(repo.git('rev-parse', `refs/baton/clean-backup/a/${t.head}`)).toBe(t.head);
  });

  it('doctor warns of it, with the switch that keeps its work, rather than "every folder present"', async () => {
    const t = detachedWithWork();
    repo = t.repo;
    const doctor = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const checks = (JSON.parse(doctor.stdout) as { checks: DoctorCheck[] }).checks;
    const records = checks.find((c) => c.name === 'worktree records');
    expect(records?.status).toBe('warn');
    expect(records?.detail).toContain(
      `1 feature worktree(s) on a detached HEAD holding commits merged nowhere, which removing the worktree would lose: ${t.wt} (baton/a; 1 commit no branch has (${t.head.slice(0, 7)} the agent's work))`,
    );
    expect(records?.hint).toBe(`a: keep it on baton/a with \`git -C ${t.wt} switch -C baton/a\`.`);
  });

  it('a commit made on that HEAD after clean looked keeps the worktree: nothing is lost', async () => {
    const t = detachedWithWork();
    repo = t.repo;
    const inspection = await inspectCleanTargets({
      root: repo.root,
      cwd: repo.root,
      state: initialState(),
      alive: () => false,
      worktrees: join(repo.root, '..', 'repo.baton-worktrees'),
    });
    const decisions = decideClean(inspection.targets, { force: true, merged: false });
    const later = commitIn(repo, t.wt, 'later', { 'src/a/later.txt': 'later\n' });
    const [result] = await removeTargets(
      repo.root,
      decisions.filter((d): d is Extract<CleanDecision, { action: 'remove' }> => d.action === 'remove'),
    );
    expect(result?.error).toContain("its worktree's HEAD moved since it was checked");
    expect(repo.git('-C', t.wt, 'rev-parse', 'HEAD')).toBe(later);
    expect(repo.git('rev-parse', 'baton/a')).toBeTruthy();
  });

  it("a detached worktree that is not at Baton's place for the feature is never taken for it", async () => {
    repo = projectRepo(['a']);
    const elsewhere = join(repo.root, '..', 'mine', 'a');
    mkdirSync(join(repo.root, '..', 'mine'));
    repo.git('worktree', 'add', '-q', '--detach', elsewhere, 'main');
    commitIn(repo, elsewhere, 'mine', { 'mine.txt': 'mine\n' });
    // Baton's place holds nothing; only the branch is Baton's.
    repo.git('branch', 'baton/a', 'main');
    expect(existsSync(worktreePath(repo, 'a'))).toBe(false);
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('a  branch baton/a');
    expect(r.stdout).not.toContain(elsewhere);
    expect(existsSync(join(elsewhere, 'mine.txt'))).toBe(true);
  });
});
