import { execSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canConnect } from '../../src/checks/server.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { lines, makeFourFeatures, recordStatus } from '../integrate/fixture.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { freePortBase, serveFixture } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
const ROOT_URL = 'http://127.0.0.1:${PORT}/';

interface JsonReport {
  on: string;
  features: Array<{
    feature_id: string;
    passed: number;
    failed: number;
    unverifiable: number;
    total: number;
    checks: Array<{
      criterion_id: string;
      kind: string;
      outcome: string;
      message: string;
      measured: unknown;
    }>;
  }>;
}

/** Three features: one good, one that strays outside `owns` and fails its tests, one never run. */
async function shop(): Promise<{ repo: TempRepo; base: number }> {
  const base = await freePortBase(3);
  const contracts: TestContract[] = [
    {
      id: 'feature-001-api',
      agent: { command: 'mkdir -p src/feature-001-api && echo ok > src/feature-001-api/index.txt' },
      serve: serveFixture('delay-server.js', { DELAY_MS: '2' }),
      criteria: [
        { id: 'built', text: 'the module exists', run: 'test -f src/feature-001-api/index.txt' },
        'Error handling should be robust',
        { id: 'latency', text: 'GET / p95 < 1 s', http: { url: ROOT_URL, p95_ms: 1000, requests: 30 } },
        { id: 'scope', text: 'stays in its folder', files: { untouched_outside_owns: true } },
        { id: 'merged', text: 'works once merged', run: 'test -f README.md', after: 'integration' },
      ],
    },
    {
      id: 'feature-002-db',
      agent: {
        command:
          'mkdir -p src/feature-002-db && echo x > src/feature-002-db/db.txt && echo y > src/shared.ts',
      },
      criteria: [
        { id: 'tests', text: 'the tests pass', run: 'echo "1 test failed"; exit 3' },
        { id: 'scope', text: 'stays in its folder', files: { untouched_outside_owns: true } },
      ],
    },
    { id: 'feature-003-ui', agent: { command: 'true' }, criteria: [{ id: 'ok', text: 'ok', run: 'true' }] },
  ];
  const repo = makeRepo({
    'README.md': '# shop\n',
    '.gitignore': '.baton/\n',
    'baton.config.json': JSON.stringify({ port_base: base }),
    ...contractFiles(contracts),
  });
  repos.push(repo);
  const run = await runBaton(['run', 'feature-001-api', 'feature-002-db', '--no-verify'], { cwd: repo.root });
  expect(run.code, run.stderr).toBe(0);
  return { repo, base };
}

describe('baton verify', () => {
  it('verifies every feature with a worktree, records the events, and exits 1 on a failed check', async () => {
    const { repo, base } = await shop();
    const r = await runBaton(['verify', '--json'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as JsonReport;
    expect(json.on).toBe('worktree');
    expect(json.features.map((f) => f.feature_id)).toEqual(['feature-001-api', 'feature-002-db']);
    const [api, db] = json.features;
    expect(api).toMatchObject({ passed: 3, failed: 0, unverifiable: 1, total: 4 });
    // The vague criterion is unverifiable in the JSON output, with the reason.
    expect(api?.checks.find((c) => c.kind === 'unverifiable')).toMatchObject({
      criterion_id: expect.any(String),
      outcome: 'unverifiable',
      message: expect.stringContaining('nothing to run'),
    });
    expect(api?.checks.find((c) => c.criterion_id === 'latency')?.measured).toMatchObject({
      requests: 30,
      p50_ms: expect.any(Number),
      p95_ms: expect.any(Number),
      p99_ms: expect.any(Number),
    });
    expect(db).toMatchObject({ passed: 0, failed: 2, total: 2 });
    expect(db?.checks.find((c) => c.criterion_id === 'scope')?.message).toBe(
      'changed outside owns: src/shared.ts (owns: src/feature-002-db/**)',
    );
    expect(db?.checks.find((c) => c.criterion_id === 'tests')?.message).toMatch(
      /^exit 3 after .*: 1 test failed$/,
    );
    expect(r.stderr).toContain('skipped feature-003-ui: it has no worktree yet');
    expect(r.stderr).toContain('warning: feature-001-api: criterion');
    expect(r.stderr).toContain('"Error handling should be robust"');
    // The server ran on feature-001's own port (index 0 of the plan) and was stopped.
    expect(await canConnect('127.0.0.1', base)).toBe(false);
    // The fold sees the results: status can show "checks 3/4" and "0/2".
    const state = foldEvents(readLog(join(repo.root, '.baton', 'log.jsonl')).events);
    expect(Object.values(state.features['feature-001-api']?.checks ?? {}).map((c) => c.outcome)).toEqual([
      'passed',
      'unverifiable',
      'passed',
      'passed',
    ]);
  });

  it('prints a readable report, and exits 0 when every verifiable criterion passed', async () => {
    const { repo } = await shop();
    const r = await runBaton(['verify', 'feature-001-api'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('feature-001-api  checks 3/4');
    expect(r.stdout).toMatch(/✓ latency: GET \/ p95 < 1 s\n {6}p95 \d+\.\d ms ≤ 1000 ms/);
    expect(r.stdout).toContain('? ');
    expect(r.stdout).toContain('verified 1 feature on their worktrees: 3 passed, 0 failed, 1 unverifiable');
    const failing = await runBaton(['verify', 'feature-002-db'], { cwd: repo.root });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('✗ tests: the tests pass');
    expect(failing.stdout).toContain('│ 1 test failed');
    expect(failing.stdout).toContain('the full output of each check is in .baton/checks/<feature>/');
  });

  it('escapes control characters in criterion ids, texts, messages and output, and clips a huge output line', async () => {
    const ESC = '\u001b';
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'feature-esc',
          agent: { command: 'mkdir -p src/feature-esc && echo x > src/feature-esc/x.txt' },
          criteria: [
            {
              id: `id${ESC}[2J`,
              text: `text${ESC}]8;;http://evil${ESC}\\`,
              run: "printf 'x\\033[2Jcleared\\n'; head -c 50000 /dev/zero | tr '\\0' a; echo; echo 'last\\033[31m'; exit 1",
            },
          ],
        },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run', '--no-verify'], { cwd: repo.root })).code).toBe(0);
    const r = await runBaton(['verify', 'feature-esc'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout).toContain('✗ id\\x1b[2J: text\\x1b]8;;http://evil\\x1b\\');
    expect(r.stdout).toContain('│ x\\x1b[2Jcleared');
    expect(r.stdout).toContain('last\\x1b[31m');
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThan(400);
  });

  it('names a feature without a worktree and says how to make one', async () => {
    const { repo } = await shop();
    const r = await runBaton(['verify', 'feature-003-ui'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'baton: feature feature-003-ui has no worktree to verify (nothing is checked out on baton/feature-003-ui) [verify/no-worktree]\n',
    );
    expect(r.stderr).toContain('hint: Run `baton run feature-003-ui` first');
    const unknown = await runBaton(['verify', 'feature-999'], { cwd: repo.root });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown feature: feature-999');
  });

  it('for a run feature whose worktree folder was deleted, says how to check its branch out again, not to run it', async () => {
    const agent = { command: 'mkdir -p src/feature-001-a && echo hi > src/feature-001-a/x.txt' };
    const repo = makeRepo(
      contractFiles([{ id: 'feature-001-a', agent, criteria: [{ text: 'ok', run: 'true' }] }]),
    );
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const worktree = repo
      .git('worktree', 'list', '--porcelain')
      .match(/^worktree (.*\/feature-001-a)$/m)?.[1];
    rmSync(worktree ?? '', { recursive: true, force: true });
    const r = await runBaton(['verify', 'feature-001-a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('baton run feature-001-a');
    const command = r.stderr.match(
      /check it out again with `(git worktree prune && git worktree add .*)`/,
    )?.[1];
    expect(command).toBe(`git worktree prune && git worktree add '${worktree}' baton/feature-001-a`);
    execSync(command ?? '', { cwd: repo.root, stdio: 'ignore' });
    expect((await runBaton(['verify', 'feature-001-a'], { cwd: repo.root })).code).toBe(0);
  });

  it('refuses a worktree switched off its branch (another branch, a detached HEAD), checking and logging nothing', async () => {
    const agent = { command: 'mkdir -p src/f && echo C > src/f/x.txt' };
    const criteria = [{ id: 'ok', text: 'says OK', run: 'grep -q OK src/f/x.txt' }];
    const repo = makeRepo(contractFiles([{ id: 'f', agent, criteria }]));
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    const wt = repo.git('worktree', 'list', '--porcelain').match(/^worktree (.*\/f)$/m)?.[1] ?? '';
    // The fix is committed on a branch of its own: baton/f, which integrate merges, does not hold it.
    repo.git('-C', wt, 'checkout', '-q', '-b', 'mywork');
    writeFileSync(join(wt, 'src/f/x.txt'), 'OK\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    const log = join(repo.root, '.baton', 'log.jsonl');
    const logged = readLog(log).events.length;

    const other = await runBaton(['verify', 'f'], { cwd: repo.root });
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain(
      `baton: the worktree of f (${wt}) is on mywork, not baton/f: its checks would not check what baton/f holds [verify/wrong-branch]\n`,
    );
    const hint = other.stderr.match(/^hint: Switch it back \(`(.*)`\), merge there .* \(`(.*)`\)/m);
    expect(hint?.[1]).toBe(`git -C '${wt}' switch baton/f`);

    repo.git('-C', wt, 'checkout', '-q', '--detach');
    const detached = await runBaton(['verify'], { cwd: repo.root });
    expect(detached.stderr).toMatch(
      /^skipped f: the worktree of f \(.*\) is on a detached HEAD \(at [0-9a-f]{8}\), not baton\/f: .*\[verify\/wrong-branch\]/,
    );
    expect(readLog(log).events).toHaveLength(logged);

    // What the hint says: back on baton/f with the fix merged, the checks pass on the commit integrate merges.
    repo.git('-C', wt, 'switch', '-q', 'baton/f');
    repo.git('-C', wt, 'merge', '-q', 'mywork');
    expect((await runBaton(['verify', 'f'], { cwd: repo.root })).code).toBe(0);
    const checked = readLog(log).events.at(-1) as { type: string; commit?: string };
    expect(checked).toMatchObject({ type: 'check.passed', commit: repo.git('rev-parse', 'baton/f') });
  });

  it('runs only `after: integration` criteria with --on integration, on the integration worktree', async () => {
    const { repo } = await shop();
    const none = await runBaton(['verify', '--on', 'integration'], { cwd: repo.root });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no integration worktree: nothing is checked out on baton/integration');
    expect(none.stderr).toContain('hint: Run `baton integrate` first');

    repo.git(
      'worktree',
      'add',
      '-q',
      '-b',
      'baton/integration',
      join(repo.root, '..', 'integration'),
      'main',
    );
    const r = await runBaton(['verify', '--on', 'integration', 'feature-001-api', '--json'], {
      cwd: repo.root,
    });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as JsonReport;
    expect(json.features).toMatchObject([
      {
        feature_id: 'feature-001-api',
        passed: 1,
        total: 1,
        checks: [{ criterion_id: 'merged', outcome: 'passed' }],
      },
    ]);
  });

  it('checks a feature whose conflict `integrate --continue` resolved: it is merged, not skipped', async () => {
    // a and b conflict on src/routes.ts; b has a criterion that fails on the integrated branch.
    const { repo } = makeFourFeatures({
      b: {
        acceptance_criteria: [
          { id: 'integ', text: 'works once merged', run: 'false', after: 'integration' },
        ] as never,
      },
    });
    repos.push(repo);
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const stopped = await runBaton(['integrate'], { cwd: repo.root });
    expect(stopped.stdout).toContain('b: conflict in src/routes.ts');
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const continued = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(continued.stdout).toContain('b: check integ failed');

    const r = await runBaton(['verify', '--on', 'integration', '--json'], { cwd: repo.root });
    expect(r.stderr).not.toContain('skipped b');
    const json = JSON.parse(r.stdout) as JsonReport;
    expect(json.features.find((f) => f.feature_id === 'b')).toMatchObject({
      passed: 0,
      failed: 1,
      checks: [{ criterion_id: 'integ', outcome: 'failed' }],
    });
    expect(r.code).toBe(1);
  });

  it('rejects a bad --on or --jobs as usage errors, before looking at any feature', async () => {
    const { repo } = await shop();
    expect((await runBaton(['verify', '--on', 'staging'], { cwd: repo.root })).code).toBe(2);
    // feature-003-ui has no worktree: a verify that got as far as the features would say it skipped it.
    for (const jobs of ['0', 'abc']) {
      const r = await runBaton(['verify', '-j', jobs], { cwd: repo.root });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain('skipped');
      expect(r.stderr).toContain(
        `--jobs must be a whole number of at least 1, got "${jobs}" [verify/bad-jobs]`,
      );
    }
  });
});
