// @module-tag slow
/**
 * What `baton pick` leaves around it: dependents built on the attempt it replaces, an integration
 * that began before it, and an attempt with no work to pick. Real git, real runs of a shell agent.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function contract(id: string, extra = ''): string {
  return `---\nfeature_id: ${id}\ntitle: ${id}\n${extra}owns: ["src/${id}/**"]\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: grep -q good src/${id}/out.txt\n---\n`;
}

function repoWith(files: Record<string, string>): TempRepo {
  const repo = makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' }, radar_interval_s: 0 }),
    ...files,
  });
  repos.push(repo);
  return repo;
}

const picks = (repo: TempRepo) =>
  readLog(join(repo.root, '.baton', 'log.jsonl')).events.filter((e) => e.type === 'attempt.picked');

describe('baton pick and what follows it', () => {
  it('refuses when dependents, at any depth, are built on the attempt it replaces; --force picks and warns', async () => {
    // aaa's attempt 1 changes fewer lines, so it wins; bbb and ccc are cut on top of it.
    const repo = repoWith({
      'agent.sh': [
        'f=$BATON_FEATURE_ID; mkdir -p src/$f; echo good > src/$f/out.txt',
        'if [ "$f.$BATON_ATTEMPT" = aaa.1 ]; then echo 1 > src/aaa/one.txt; fi',
        'if [ "$f.$BATON_ATTEMPT" = aaa.2 ]; then printf "2\\n2\\n" > src/aaa/two.txt; fi',
        '',
      ].join('\n'),
      'specs/aaa/contract.md': contract('aaa', 'attempts: 2\n'),
      'specs/bbb/contract.md': contract('bbb', 'depends_on:\n  features: [aaa]\n'),
      'specs/ccc/contract.md': contract('ccc', 'depends_on:\n  features: [bbb]\n'),
    });
    const run = await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const old = repo.git('rev-parse', 'baton/aaa');
    expect(old).toBe(repo.git('rev-parse', 'baton/aaa.a1'));

    const refused = await runBaton(['pick', 'aaa', '2'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `baton: bbb, ccc are built on what baton/aaa held (${old.slice(0, 8)}, attempt 1): integrating them would merge that attempt beside the pick, so nothing was changed [pick/dependents-built]\n` +
        'hint: Run again with --force, then `baton clean --force bbb ccc` (it drops their work), then `baton run --wait-for-deps bbb ccc` builds them again on the pick.\n',
    );
    expect(repo.git('rev-parse', 'baton/aaa')).toBe(old);
    expect(picks(repo)).toHaveLength(0);

    const forced = await runBaton(['pick', 'aaa', '2', '--force'], { cwd: repo.root });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(
      /^warning: bbb, ccc are built on what baton\/aaa held .*baton run --wait-for-deps bbb ccc/m,
    );
    expect(repo.git('rev-parse', 'baton/aaa')).toBe(repo.git('rev-parse', 'baton/aaa.a2'));

    // The way out it names puts them on the pick, and off the old attempt.
    expect((await runBaton(['clean', '--force', 'bbb', 'ccc'], { cwd: repo.root })).code).toBe(0);
    const rerun = await runBaton(['run', '--wait-for-deps', 'bbb', 'ccc'], { cwd: repo.root });
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    for (const b of ['baton/bbb', 'baton/ccc']) {
      expect(repo.git('branch', '--contains', 'baton/aaa', '--list', b)).toContain(b);
      expect(repo.git('branch', '--contains', old, '--list', b)).toBe('');
    }
  });

  it('after an integration began, pick says only --fresh takes it, and --continue words the pick as a pick', async () => {
    // Attempt 1 passes and wins; attempt 2 fails its check.
    const repo = repoWith({
      'agent.sh':
        'mkdir -p src/api; if [ "$BATON_ATTEMPT" = 1 ]; then echo good; else echo bad; fi > src/api/out.txt\n',
      'specs/api/contract.md': contract('api'),
    });
    expect((await runBaton(['run', '--attempts', '2'], { cwd: repo.root })).code).toBe(0);
    const a1 = repo.git('rev-parse', 'baton/api.a1');
    const a2 = repo.git('rev-parse', 'baton/api.a2');
    expect((await runBaton(['integrate'], { cwd: repo.root })).code).toBe(0);

    const pick = await runBaton(['pick', 'api', '2'], { cwd: repo.root });
    expect(pick.code, pick.stderr).toBe(0);
    expect(pick.stderr).toContain(
      `warning: baton/integration holds attempt 1 ${a1.slice(0, 8)} of api, recorded when the integration began, and \`baton integrate --continue\` keeps it: run \`baton integrate --fresh\` for this pick to count\n`,
    );

    const into = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(into.code, into.stdout + into.stderr).toBe(0);
    expect(into.stdout).toContain(
      `note: api: attempt 2 (${a2.slice(0, 10)}, failed-checks) was picked since this integration began; it merges ${a1.slice(0, 10)} (attempt 1), the commit it recorded (\`baton integrate --fresh --into main\` takes the pick)\n`,
    );
    expect(into.stdout).not.toMatch(/was checked on/);
    // Promoted: a later pick has no integration under way to warn about.
    const back = await runBaton(['pick', 'api', '1'], { cwd: repo.root });
    expect(back.stderr).not.toMatch(/integrate --fresh/);
  });

  it('refuses an attempt that left no commit (stopped before it wrote anything)', async () => {
    // Attempt 1 would sleep; attempt 2 passes first, so first-passing stops attempt 1 with nothing done.
    const repo = repoWith({
      'agent.sh': '[ "$BATON_ATTEMPT" = 1 ] && exec sleep 5; mkdir -p src/api; echo good > src/api/out.txt\n',
      'specs/api/contract.md': contract('api'),
    });
    const run = await runBaton(['run', '--attempts', '2', '--select', 'first-passing'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const held = repo.git('rev-parse', 'baton/api');

    const refused = await runBaton(['pick', 'api', '1'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^baton: attempt 1 of api left no commit \(stopped: attempt 2 passed every criterion first[^\n]*\): it recorded [0-9a-f]{8}, the commit it was cut from, so there is no work to pick \[pick\/no-commit\]\nhint: Pick an attempt that left work: 2\.\n$/,
    );
    expect(repo.git('rev-parse', 'baton/api')).toBe(held);
    expect(picks(repo)).toHaveLength(0);
  });

  it('a plain rerun after every attempt failed takes over: no winner left in status, report and agent log; pick names the rerun', async () => {
    const repo = repoWith({
      'agent.sh':
        'mkdir -p src/api; if [ -n "$FIXED" ]; then echo good; else echo bad; fi > src/api/out.txt\n',
      'specs/api/contract.md': contract('api'),
    });
    expect((await runBaton(['run', '--attempts', '2'], { cwd: repo.root })).code).toBe(1);
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root, env: { FIXED: '1' } });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const rerun = repo.git('rev-parse', 'baton/api');

    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).not.toContain('★');
    expect(status.stdout).toMatch(/api: \S+\/api\/agent\.log\n/);
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    expect(json.features[0]).toMatchObject({ status: 'complete', winner: null });
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout);
    expect(report.features[0].best_of_n).toMatchObject({ winner: null, rerun: true });

    const pick = await runBaton(['pick', 'api', '2'], { cwd: repo.root });
    expect(pick.code).toBe(1);
    expect(pick.stderr).toContain(
      `baton: baton/api holds 1 commit(s) that its plain rerun (\`baton run --resume\`) made and no attempt has (${rerun.slice(0, 8)})`,
    );
    expect(repo.git('rev-parse', 'baton/api')).toBe(rerun);
  });
});
