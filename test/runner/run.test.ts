import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { events, tempRepos } from './repo-rig.js';

// The tests share nothing (each its own repository, ports and worktrees) and mostly wait on their
// agents: run side by side.
const { repoWith } = tempRepos({ concurrent: true });

const writer = (id: string, sleep = 0) => ({
  command: `${sleep ? `sleep ${sleep}; ` : ''}mkdir -p src/${id} && echo "$BATON_FEATURE_ID $PORT" > src/${id}/index.txt`,
});

describe.concurrent('baton run', () => {
  it('runs four agents in parallel, commits each on its branch, and status shows them complete', async () => {
    const ids = ['feature-001-a', 'feature-002-b', 'feature-003-c', 'feature-004-d'];
    const repo = repoWith(ids.map((id) => ({ id, agent: writer(id, 2) })));
    const r = await runBaton(['run', '-j', '4'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Parallel: every agent started before any ended (the wall-clock target is measured by
    // `npm run bench -- run`, on a quiet machine, never asserted here).
    const log = events(repo);
    const starts = log.filter((e) => e.type === 'feature.started');
    const exits = log.filter((e) => e.type === 'agent.exited');
    expect(starts).toHaveLength(4);
    const lastStart = Math.max(...starts.map((e) => Date.parse(e.ts)));
    const firstExit = Math.min(...exits.map((e) => Date.parse(e.ts)));
    expect(lastStart).toBeLessThan(firstExit);
    const ports = new Set<number>();
    for (const id of ids) {
      expect(repo.git('log', '-1', '--format=%s', `baton/${id}`)).toBe(`Feature ${id}`);
      const content = repo.git('show', `baton/${id}:src/${id}/index.txt`);
      ports.add(Number(content.split(' ')[1]));
      expect(content.startsWith(id)).toBe(true);
      expect(
        log.some((e) => e.type === 'feature.ended' && e.feature_id === id && e.status === 'complete'),
      ).toBe(true);
    }
    expect(ports.size).toBe(4);
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    const json = JSON.parse(status.stdout) as {
      features: Array<{ feature_id: string; status: string; commit: string }>;
    };
    expect(json.features.map((f) => [f.feature_id, f.status])).toEqual(ids.map((id) => [id, 'complete']));
    expect(json.features.every((f) => /^[0-9a-f]{40}$/.test(f.commit))).toBe(true);
    // The user's checkout is untouched: still on main, nothing to commit.
    expect(repo.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('with --wait-for-deps starts b after a completes, on top of a', async () => {
    const repo = repoWith([
      { id: 'a', agent: writer('a', 1) },
      {
        id: 'b',
        depends: ['a'],
        agent: { command: 'test -f src/a/index.txt && mkdir -p src/b && cp src/a/index.txt src/b/copy.txt' },
      },
    ]);
    const r = await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    const aDone = log.find((e) => e.type === 'feature.ended' && e.feature_id === 'a')!;
    const bStart = log.find((e) => e.type === 'feature.started' && e.feature_id === 'b')!;
    expect(Date.parse(bStart.ts)).toBeGreaterThanOrEqual(Date.parse(aDone.ts));
    expect(repo.git('show', 'baton/b:src/b/copy.txt')).toContain('a ');
    // b's recorded files are its own, not a's.
    const bExit = log.find((e) => e.type === 'agent.exited' && e.feature_id === 'b');
    expect(bExit && 'files' in bExit ? bExit.files : []).toEqual(['src/b/copy.txt']);
  });

  it('ends an agent that changes nothing as empty, and reports a write into the main checkout (unattributed: two agents ran)', async () => {
    const repo = repoWith([
      { id: 'idle', agent: { command: 'sleep 1' } },
      {
        id: 'stray',
        agent: {
          command:
            'mkdir -p src/stray && echo x > src/stray/f.txt && echo oops > "$BATON_WORKTREE/../../repo/ESCAPED.txt"',
        },
      },
    ]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; status: string; escaped: string[] }>;
      escaped_unknown: string[];
    };
    expect(status.features.find((f) => f.feature_id === 'idle')?.status).toBe('empty');
    // Both agents were running when the file appeared: reported, and never filed under either.
    expect(status.escaped_unknown).toEqual(['ESCAPED.txt']);
    expect(status.features.flatMap((f) => f.escaped)).toEqual([]);
    expect(r.stdout).toContain('ESCAPED.txt');
  });

  it('ends a failing agent failed with its exit code while the others complete', async () => {
    const repo = repoWith([
      { id: 'bad', agent: { command: 'echo broken >&2; exit 1' } },
      { id: 'good', agent: writer('good') },
    ]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; status: string; exit_code: number | null; log_file: string }>;
    };
    const bad = status.features.find((f) => f.feature_id === 'bad')!;
    expect(bad.status).toBe('failed');
    expect(bad.exit_code).toBe(1);
    expect(readFileSync(bad.log_file, 'utf8')).toContain('broken');
    expect(status.features.find((f) => f.feature_id === 'good')?.status).toBe('complete');
  });

  it("gives git's multi-line error as a one-line reason when the agent's work cannot be recorded", async () => {
    const lock =
      'mkdir -p src/locked && echo x > src/locked/f && touch "$(git rev-parse --git-dir)/index.lock"';
    const repo = repoWith([{ id: 'locked', agent: { command: lock } }]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended' && e.feature_id === 'locked');
    const reason = ended?.type === 'feature.ended' ? (ended.reason ?? '') : '';
    expect(reason).toMatch(
      /^could not record the agent's work: git add --all failed .*index\.lock': File exists\. \/ /,
    );
    expect(reason).not.toContain('\n');
    const line = r.stdout.split('\n').find((l) => l.startsWith('locked: failed'));
    expect(line).toContain('index.lock');
    expect(line).not.toContain('\\n');
  });

  it('lists the known ids for an unknown one, and refuses to overwrite an existing branch', async () => {
    const repo = repoWith([{ id: 'one', agent: writer('one') }]);
    const unknown = await runBaton(['run', 'nope'], { cwd: repo.root });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nope');
    expect(unknown.stderr).toContain('one');
    repo.git('branch', 'baton/one');
    const clash = await runBaton(['run'], { cwd: repo.root });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('branch baton/one already exists');
    expect(existsSync(join(repo.root, '..', 'repo.baton-worktrees', 'one'))).toBe(false);
  });

  it('warns, on a resume, of uncommitted changes no branch will get (a fresh run refuses them)', async () => {
    const repo = repoWith([{ id: 'one', agent: { command: 'exit 3' } }]);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    repo.write({ 'README.md': '# changed\n' });
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.stderr).toContain(
      'warning: the main checkout has uncommitted changes (README.md): a resume goes on, but no feature branch gets them',
    );
  });

  it('says in its first line which features a resume keeps as complete, not run again', async () => {
    const repo = repoWith([
      { id: 'one', agent: { command: 'exit 3' } },
      { id: 'two', agent: writer('two') },
    ]);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.stdout.split('\n')[0]).toMatch(
      /^run \S+: 2 features \(1 complete in an earlier run, kept: two\), 2 at a time, /,
    );
  });

  it('names every existing branch at once, with one command that resumes them all', async () => {
    const repo = repoWith([
      { id: 'one', agent: writer('one') },
      { id: 'two', agent: writer('two') },
      { id: 'three', agent: writer('three') },
    ]);
    repo.git('branch', 'baton/one');
    repo.git('branch', 'baton/three');
    const clash = await runBaton(['run'], { cwd: repo.root });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(
      'branches baton/one, baton/three already exist; Baton will not overwrite them [run/branch-exists]',
    );
    expect(clash.stderr).toContain('baton run --resume one three');
    expect(repo.git('branch', '--list', 'baton/two')).toBe('');
  });

  it('refuses a dirty main checkout whose changes the branches would miss', async () => {
    const repo = repoWith([{ id: 'one', agent: writer('one') }]);
    repo.write({ 'README.md': '# changed\n' });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('uncommitted changes');
    expect(r.stderr).toContain('README.md');
  });

  it('verifies each feature after its agent: complete only when its checks pass', async () => {
    const repo = repoWith([
      {
        id: 'ok',
        agent: writer('ok'),
        criteria: [
          { id: 'exists', text: 'the file exists', run: 'test -f src/ok/index.txt' },
          { id: 'vague', text: 'Error handling should be robust' },
        ],
      },
      {
        id: 'ko',
        agent: writer('ko'),
        criteria: [{ id: 'never', text: 'a check that fails', run: 'exit 3' }],
      },
    ]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{
        feature_id: string;
        status: string;
        checks: { passed: number; failed: number; total: number };
      }>;
    };
    const ok = status.features.find((f) => f.feature_id === 'ok')!;
    expect(ok.status).toBe('complete');
    // Every feature with `owns` also gets the implicit `owns` criterion.
    expect(ok.checks).toMatchObject({ passed: 2, failed: 0, total: 3 });
    const ko = status.features.find((f) => f.feature_id === 'ko')!;
    expect(ko.status).toBe('failed-checks');
    expect(ko.checks).toMatchObject({ passed: 1, failed: 1, total: 2 });
    const table = await runBaton(['status'], { cwd: repo.root });
    expect(table.stdout).toMatch(/ok\s+complete\s+command\s+\S+ s\s+0\s+2\/3/);
    const skipped = repoWith([
      { id: 'ko', agent: writer('ko'), criteria: [{ text: 'fails', run: 'exit 3' }] },
    ]);
    expect((await runBaton(['run', '--no-verify'], { cwd: skipped.root })).code).toBe(0);
  });

  it('copies config `copy` files and .worktreeinclude patterns into each worktree and runs `setup` first', async () => {
    const repo = repoWith(
      [
        {
          id: 'env',
          agent: { command: 'mkdir -p src/env && cat .env local/settings.json setup.out > src/env/seen.txt' },
        },
      ],
      {
        'baton.config.json': JSON.stringify({
          copy: ['.env'],
          setup: 'echo "setup ran in $BATON_FEATURE_ID" > setup.out',
        }),
        '.gitignore': '.env\nlocal/\nsetup.out\n',
        '.worktreeinclude': '# local files the agents need\nlocal/*.json\n',
      },
    );
    repo.write({ '.env': 'SECRET_FROM_ENV=1\n', 'local/settings.json': '{"local":true}\n' });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const seen = repo.git('show', 'baton/env:src/env/seen.txt');
    expect(seen).toContain('SECRET_FROM_ENV=1');
    expect(seen).toContain('{"local":true}');
    expect(seen).toContain('setup ran in env');
    // Copied, ignored files are never committed on the branch.
    expect(repo.git('ls-tree', '-r', '--name-only', 'baton/env')).not.toContain('.env');
  });
});
