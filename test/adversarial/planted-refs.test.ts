// git resolves a short name `baton/a` through `.git/baton/a`, `refs/baton/a` and `refs/tags/baton/a`
// before `refs/heads/baton/a`, and an agent can write any of them. Baton merged a dependency, and
// verify measured a branch's owns, by the short name: a planted commit stood in for the branch. Verify
// also took the log's `base_commit` as the base to diff from (a forged one hid every change, or went
// to git as an option), and kept measuring from the run's old base after a rebase.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownsBase } from '../../src/checks/owns-base.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const projectFiles = (contracts: TestContract[]) => ({
  'README.md': 'hi\n',
  '.gitignore': '.baton/\n',
  ...contractFiles(contracts),
});

function project(contracts: TestContract[]): TempRepo {
  const repo = makeRepo(projectFiles(contracts));
  repos.push(repo);
  return repo;
}

const fileThere = (id: string) => ({ id: 't', text: 'its file is there', run: `test -f src/${id}/x.txt` });
/** An agent that writes its file, plus `extra` shell words, and commits. */
const agentOf = (id: string, extra = '') => ({
  command: `mkdir -p src/${id} && echo ok > src/${id}/x.txt${extra} && git add -A && git commit -qm ${id}-work`,
});

/**
 * A project whose `a` also commits a change to README.md (outside its owns), after `baton run`: the run
 * made once per test process, each test gets a copy of what it left.
 */
async function ranOutsideOwns(): Promise<TempRepo> {
  const repo = await cachedState('planted-refs:a run, README.md changed outside owns', async () => {
    const built = makeRepo(
      projectFiles([
        { id: 'a', agent: agentOf('a', ' && echo EVIL >> README.md'), criteria: [fileThere('a')] },
      ]),
    );
    await runBaton(['run'], { cwd: built.root });
    return built;
  });
  repos.push(repo);
  return repo;
}

describe('refs an agent plants beside a feature branch', () => {
  it('a dependency is merged from refs/heads/baton/<dep>, never from a planted .git/baton/<dep>', async () => {
    // a commits its work, then an unchecked change it takes back, and leaves that commit at .git/baton/a.
    const plant =
      ' && git add -A && git commit -qm a-good && echo EVIL >> README.md && git commit -qam evil' +
      ' && evil=$(git rev-parse HEAD) && git reset -q --hard HEAD~1' +
      ' && common=$(git rev-parse --git-common-dir) && mkdir -p "$common/baton" && echo $evil > "$common/baton/a"';
    const repo = project([
      {
        id: 'a',
        agent: { command: `mkdir -p src/a && echo ok > src/a/x.txt${plant}` },
        criteria: [fileThere('a')],
      },
      { id: 'b', depends: ['a'], agent: agentOf('b'), criteria: [fileThere('b')] },
    ]);
    const r = await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('log', '--format=%s', 'refs/heads/baton/b')).not.toContain('evil');
    expect(repo.git('show', 'refs/heads/baton/b:README.md')).toBe('hi');
  });

  it('verify measures owns on refs/heads/baton/<id>, not on a tag of the same name', async () => {
    const repo = await ranOutsideOwns();
    repo.git('tag', 'baton/a', 'main');
    const v = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(v.stdout + v.stderr).toContain('changed outside owns: README.md');
    expect(v.code).toBe(1);
  });
});

describe("verify's base for the owns check", () => {
  it('never takes a base_commit from the log unproven: not as an option, not as the branch tip', async () => {
    const repo = await ranOutsideOwns();
    const victim = join(repo.root, '..', 'victim.txt');
    writeFileSync(victim, 'precious\n');
    mkdirSync(join(repo.root, '..', 'x...baton'));
    symlinkSync(victim, join(repo.root, '..', 'x...baton', 'a'));
    const tip = repo.git('rev-parse', 'refs/heads/baton/a');
    for (const base of [`--output=${join(repo.root, '..', 'x')}`, tip]) {
      const forged = {
        v: 1,
        ts: '2099-01-01T00:00:00.000Z',
        type: 'run.started',
        run_id: `r-forged-${base.length}`,
        feature_ids: ['a'],
        concurrency: 1,
        base: 'HEAD',
        base_commit: base,
        mode: 'contract-first',
        pid: 1,
      };
      appendFileSync(join(repo.root, '.baton', 'log.jsonl'), `${JSON.stringify(forged)}\n`);
      const v = await runBaton(['verify', 'a'], { cwd: repo.root });
      expect(v.stdout + v.stderr, base).toContain('changed outside owns: README.md');
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    }
  });

  it('measures from the cut the log records when the base already holds the tip (the main checkout on baton/a)', async () => {
    const repo = await ranOutsideOwns();
    repo.git('checkout', '-q', '--detach', 'refs/heads/baton/a');
    const v = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(v.stdout + v.stderr).toContain('changed outside owns: README.md');
    // With no such cut on record, nothing is measured, and the check says why.
    const tip = repo.git('rev-parse', 'refs/heads/baton/a');
    for (const recorded of [undefined, tip]) {
      const found = await ownsBase(repo.root, tip, recorded, 'baton/a');
      expect(found).toEqual({ unmeasured: expect.stringContaining('already holds baton/a') });
    }
  });

  it('measures a run cut from a tag ahead of the base from that tag, not from the base', async () => {
    const repo = project([{ id: 'a', agent: agentOf('a'), criteria: [fileThere('a')] }]);
    repo.git('switch', '-q', '-c', 'upstream');
    repo.write({ 'upstream.txt': 'theirs\n' });
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'upstream work');
    repo.git('tag', 'v1');
    repo.git('switch', '-q', 'main');
    repo.git('branch', '-D', 'upstream');
    expect((await runBaton(['run', '--base', 'v1'], { cwd: repo.root })).code).toBe(0);
    const v = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(v.stdout + v.stderr).not.toContain('changed outside owns');
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('measures a branch rebased onto the newer base from that base, not from where the run cut it', async () => {
    const repo = project([
      {
        id: 'a',
        owns: ['src/a/**', 'shared.txt'],
        agent: agentOf('a', ' && echo a > shared.txt'),
        criteria: [fileThere('a')],
      },
      {
        id: 'c',
        owns: ['src/c/**', 'shared.txt'],
        agent: agentOf('c', ' && echo c > shared.txt'),
        criteria: [fileThere('c')],
      },
    ]);
    await runBaton(['run'], { cwd: repo.root });
    // a reaches main; c is brought up to date on it the usual way (a merge of main into its branch).
    expect((await runBaton(['integrate', 'a', '--into', 'main'], { cwd: repo.root })).code).toBe(0);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'c');
    const merge = runGit(wt, ['merge', '-q', '-X', 'ours', '--no-edit', 'main']);
    expect(merge.status, merge.stderr).toBe(0);
    const v = await runBaton(['verify', 'c'], { cwd: repo.root });
    expect(v.stdout + v.stderr).not.toContain('changed outside owns');
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('never takes a merge that changed something of its own for the one that stacked a branch on its dependency, whatever the log says', async () => {
    const repo = project([
      { id: 'a', agent: agentOf('a'), criteria: [fileThere('a')] },
      { id: 'b', depends: ['a'], agent: agentOf('b'), criteria: [fileThere('b')] },
    ]);
    expect((await runBaton(['run', '--wait-for-deps'], { cwd: repo.root })).code).toBe(0);
    // b's branch cut again the way Baton cuts it (baton/a merged onto the base), but with README
    // changed in the merge itself, then b's own work on top.
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'b');
    for (const args of [
      ['reset', '-q', '--hard', 'main'],
      ['merge', '-q', '--no-ff', '--no-commit', 'refs/heads/baton/a'],
    ])
      expect(runGit(wt, args).status).toBe(0);
    writeFileSync(join(wt, 'README.md'), 'EVIL\n');
    expect(runGit(wt, ['commit', '-qam', 'Merge baton/a (dependency of b)']).status).toBe(0);
    const merge = runGit(wt, ['rev-parse', 'HEAD']).stdout.trim();
    mkdirSync(join(wt, 'src', 'b'), { recursive: true });
    writeFileSync(join(wt, 'src', 'b', 'x.txt'), 'ok\n');
    for (const args of [
      ['add', '-A'],
      ['commit', '-qm', 'b-work'],
    ])
      expect(runGit(wt, args).status).toBe(0);
    // The log, forged, says b was cut from that merge.
    const log = join(repo.root, '.baton', 'log.jsonl');
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const started = lines.find((e) => e.type === 'feature.started' && e.feature_id === 'b');
    const ended = lines.find((e) => e.type === 'feature.ended' && e.feature_id === 'b');
    for (const e of [{ ...started, base_commit: merge }, ended])
      appendFileSync(log, `${JSON.stringify({ ...e, ts: '2099-01-01T00:00:00.000Z' })}\n`);
    const v = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(v.stdout + v.stderr).toContain('changed outside owns: README.md');
    expect(v.code).toBe(1);
    const i = await runBaton(['integrate'], { cwd: repo.root });
    expect(i.stdout + i.stderr).toContain('not merged: b');
    expect(repo.git('show', 'baton/integration:README.md')).toBe('hi');
  });
});

function runGit(cwd: string, args: string[]) {
  return spawnSync('git', args, { cwd, encoding: 'utf8' });
}
