// The checks must check the commit that gets merged: not files hidden from git status, not files
// git ignores, not what an earlier check rewrote.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyFeature } from '../../src/checks/verify.js';
import type { Criterion } from '../../src/contracts/schema.js';
import type { CheckPlace } from '../../src/log/event-fields.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { criterion, makeContract, makeProject } from './rig.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

/** A repo whose test/a.sh fails, committed; returns the repo's root as the worktree checked. */
function setup(): string {
  repo = makeRepo({ 'test/a.sh': 'exit 1\n', 'src/a/x.txt': 'base\n' });
  return repo.root;
}

async function verify(cwd: string, criteria: Criterion[], on: CheckPlace = 'worktree') {
  const project = makeProject();
  const commit = repo.git('rev-parse', 'HEAD').trim();
  return verifyFeature({
    contract: makeContract('a', criteria),
    cwd,
    on,
    port: 41000,
    config: project.config,
    logPath: project.logPath,
    ...(on === 'worktree' ? { checked: { commit } } : {}),
  });
}

const gate = criterion({ id: 'gate', text: 'tests pass', run: 'sh test/a.sh' });

describe('the checked content is the commit', () => {
  it('refuses to run checks past an index entry marked skip-worktree or assume-unchanged', async () => {
    const cwd = setup();
    writeFileSync(join(cwd, 'test/a.sh'), 'exit 0\n');
    repo.git('update-index', '--skip-worktree', 'test/a.sh');
    const report = await verify(cwd, [gate]);
    expect(report.failed).toBe(1);
    expect(report.events[0]).toMatchObject({ type: 'check.failed', criterion_id: 'gate', dirty: true });
    expect(report.failures[0]?.message).toMatch(
      /^not run: test\/a\.sh hidden from git status .*\[checks\/hidden-index-entries\]/,
    );
  });

  it('fails a check that rewrites a tracked file, and every check after it, naming the file', async () => {
    const cwd = setup();
    const rewrite = criterion({ id: 'unit', text: 'unit', run: 'echo "exit 0" > test/a.sh' });
    const report = await verify(cwd, [rewrite, gate]);
    expect(report.events.map((e) => e.type)).toEqual(['check.failed', 'check.failed']);
    expect(report.failures[0]?.message).toMatch(
      /^after this check, tracked files differ from the commit: test\/a\.sh \[checks\/changed-checkout\]/,
    );
    expect(report.failures[1]?.criterion_id).toBe('gate');
  });

  it.each([
    ['assume-unchanged', 'worktree'],
    ['skip-worktree', 'worktree'],
    // The criteria run again on the integration result before `--into` moves a branch: the same probe.
    ['assume-unchanged', 'promotion'],
  ] as const)(
    'fails a check that hides a tracked file (%s) and rewrites it, and every check after it (%s)',
    async (flag, on) => {
      const cwd = setup();
      const hide = criterion({
        id: 'build',
        text: 'build',
        run: `git update-index --${flag} test/a.sh && echo "exit 0" > test/a.sh`,
      });
      const report = await verify(cwd, [hide, gate], on);
      expect(report.events.map((e) => e.type)).toEqual(['check.failed', 'check.failed']);
      expect(report.failures.map((f) => f.criterion_id)).toEqual(['build', 'gate']);
      for (const f of report.failures) {
        expect(f.message).toMatch(
          new RegExp(
            `^after this check, index entries hide files from git status: test/a\\.sh \\(${flag}\\) \\[checks/changed-checkout\\]`,
          ),
        );
        expect(f.message).toContain(
          `git -C ${cwd} update-index --no-skip-worktree -- test/a.sh\` and \`git -C ${cwd} update-index --no-assume-unchanged -- test/a.sh\`, then restore with \`git checkout -- .\``,
        );
      }
    },
  );

  it('refuses to run the criteria again on the integration result past an index entry hidden before them', async () => {
    const cwd = setup();
    writeFileSync(join(cwd, 'test/a.sh'), 'exit 0\n');
    repo.git('update-index', '--assume-unchanged', 'test/a.sh');
    const report = await verify(cwd, [gate], 'promotion');
    expect(report.failures[0]?.message).toMatch(
      /^not run: test\/a\.sh hidden from git status .*\[checks\/hidden-index-entries\]/,
    );
  });

  it('fails a check that moves HEAD, and lets a check create untracked files (build output)', async () => {
    const cwd = setup();
    const build = criterion({ id: 'build', text: 'build', run: 'mkdir -p dist && echo x > dist/out.js' });
    const commit = criterion({ id: 'sneak', text: 's', run: 'git commit -q --allow-empty -m sneak' });
    const report = await verify(cwd, [build, commit]);
    expect(report.events.map((e) => e.type)).toEqual(['check.passed', 'check.failed']);
    expect(report.failures[0]?.message).toMatch(/^after this check, HEAD moved from /);
    // The hint moves HEAD back (`git checkout -- .` restores files only), and it does.
    const head = /reset --keep ([0-9a-f]{40})`/.exec(report.failures[0]?.message ?? '')?.[1];
    expect(report.failures[0]?.message).toContain(`git -C ${cwd} reset --keep ${head}`);
    expect(report.failures[0]?.message).not.toContain('git checkout -- .');
    repo.git('reset', '-q', '--keep', head ?? 'HEAD');
    expect(repo.git('log', '-1', '--format=%s')).not.toContain('sneak');
  });

  it('does not count a file git ignores as existing: the commit cannot hold it', async () => {
    const cwd = setup();
    appendFileSync(join(cwd, '.git/info/exclude'), 'src/a/index.js\n');
    writeFileSync(join(cwd, 'src/a/index.js'), '1\n');
    const exists = criterion({ id: 'ex', text: 'index', files: { exist: ['src/a/*.js', 'src/a/x.txt'] } });
    const report = await verify(cwd, [exists]);
    expect(report.failures[0]?.message).toBe(
      'missing: src/a/*.js (no file matches; git ignores src/a/index.js, so no commit holds it)',
    );
  });
});
