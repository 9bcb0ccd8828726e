// @module-tag slow
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Each unit writes `ok` into its feature's folder; the one criterion greps it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
const AGENT = 'f=${BATON_BRANCH#baton/}; f=${f%%.a*}; mkdir -p src/$f; echo ok > src/$f/out.txt\n';

function contract(id: string): string {
  return `---\nfeature_id: ${id}\ntitle: ${id}\nowns: ["src/${id}/**"]\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: grep -q ok src/${id}/out.txt\n---\n`;
}

/**
 * A repository with features fa and fb, run by `sh ./agent.sh`, and fa run with two attempts: the run
 * made once per test process, a copy of what it left for each test.
 */
async function ranTwoAttempts(): Promise<TempRepo> {
  const repo = await cachedState('pick-verify:fa run --attempts 2', async () => {
    const built = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'agent.sh': AGENT,
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'specs/fa/contract.md': contract('fa'),
      'specs/fb/contract.md': contract('fb'),
    });
    const run = await runBaton(['run', 'fa', '--attempts', '2'], { cwd: built.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return built;
  });
  repos.push(repo);
  return repo;
}

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

/** The winning attempt of fa and the worktree it ran in. */
function winnerOf(repo: TempRepo): { n: number; wt: string } {
  const sel = events(repo).find((e) => e.type === 'attempt.selected');
  const n = sel?.type === 'attempt.selected' ? sel.winner : 0;
  const wt = repo
    .git('worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree ') && l.endsWith(`fa.a${n}`))
    .map((l) => l.slice('worktree '.length))[0]!;
  return { n, wt };
}

describe('baton pick and the winner branch', () => {
  it('refuses to drop commits made on baton/<id> by hand; --force keeps the old tip under refs/baton/pick-backup/', async () => {
    const repo = await ranTwoAttempts();
    const winner = events(repo).find((e) => e.type === 'attempt.selected');
    const other = winner?.type === 'attempt.selected' && winner.winner === 1 ? 2 : 1;
    // A hand fix committed on baton/fa, outside any attempt.
    const hand = join(repo.root, '..', `hand-${Date.now()}`);
    repo.git('worktree', 'add', '-q', hand, 'baton/fa');
    writeFileSync(join(hand, 'fix.txt'), 'x\n');
    repo.git('-C', hand, 'add', '-A');
    repo.git('-C', hand, 'commit', '-qm', 'hand fix');
    repo.git('worktree', 'remove', hand);
    const handTip = repo.git('rev-parse', 'baton/fa');

    const refused = await runBaton(['pick', 'fa', String(other)], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[pick\/unrecorded-commits\]/);
    expect(refused.stderr).toContain(handTip.slice(0, 8));
    expect(refused.stderr).toMatch(/--force/);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(handTip);
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);

    const forced = await runBaton(['pick', 'fa', String(other), '--force'], { cwd: repo.root });
    expect(forced.code, forced.stderr).toBe(0);
    const backup = `refs/baton/pick-backup/fa/${handTip}`;
    expect(forced.stdout).toContain(backup);
    expect(repo.git('rev-parse', backup)).toBe(handTip);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(repo.git('rev-parse', `baton/fa.a${other}`));

    // The same attempt again, written with a leading zero: nothing to do, nothing logged.
    const again = await runBaton(['pick', 'fa', `0${other}`], { cwd: repo.root });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`baton/fa already holds attempt ${other}`));
    expect(events(repo).filter((e) => e.type === 'attempt.picked')).toHaveLength(1);

    const unknown = await runBaton(['pick', 'nope', '1'], { cwd: repo.root });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown feature: nope; known ids: fa, fb \[features\/unknown\]/);
  });

  it('picking an attempt that failed its checks warns, and still picks; picking a passing one does not warn', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      // Attempt 2 writes `bad`, so its check fails.
      'agent.sh':
        'mkdir -p src/fa; if [ "$BATON_ATTEMPT" = 2 ]; then echo bad; else echo ok; fi > src/fa/out.txt\n',
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'specs/fa/contract.md': contract('fa'),
    });
    repos.push(repo);
    const run = await runBaton(['run', 'fa', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const failing = await runBaton(['pick', 'fa', '2'], { cwd: repo.root });
    expect(failing.code, failing.stderr).toBe(0);
    expect(failing.stderr).toBe(
      'warning: attempt 2 failed 1 of its 2 checks: baton/fa now holds work its checks did not pass; `baton verify fa` checks it again\n',
    );
    expect(repo.git('rev-parse', 'baton/fa')).toBe(repo.git('rev-parse', 'baton/fa.a2'));
    const passing = await runBaton(['pick', 'fa', '1'], { cwd: repo.root });
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stderr).toBe('');
  });

  it('a fix committed in the winner worktree is checked by `baton verify`, which moves baton/<id> to it, and integrates', async () => {
    const repo = await ranTwoAttempts();
    const { n, wt } = winnerOf(repo);
    writeFileSync(join(wt, 'src', 'fa', 'out.txt'), 'ok v2\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    const fixed = repo.git('rev-parse', `baton/fa.a${n}`);

    const verify = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/baton\/fa moved to [0-9a-f]{8}: its checks passed on baton\/fa\.a\d/);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(fixed);

    const integrate = await runBaton(['integrate', 'fa'], { cwd: repo.root });
    expect(integrate.code, integrate.stdout + integrate.stderr).toBe(0);
    expect(repo.git('show', 'baton/integration:src/fa/out.txt')).toBe('ok v2');
  });

  it('holds what is made in the winner worktree to `owns`: a commit or a new file outside it fails, and baton/<id> stays', async () => {
    const repo = await ranTwoAttempts();
    const { n, wt } = winnerOf(repo);
    const before = repo.git('rev-parse', 'baton/fa');
    writeFileSync(join(wt, 'README.md'), '# hacked\n');
    repo.git('-C', wt, 'commit', '-qam', 'outside owns');

    const committed = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(committed.code, committed.stdout + committed.stderr).toBe(1);
    expect(committed.stdout).toMatch(
      /✗ owns: .*\n\s+changed outside owns: README\.md \(owns: src\/fa\/\*\*\)/,
    );
    expect(committed.stdout).not.toMatch(/moved to/);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(before);

    // Back to the recorded work, plus a file outside owns not yet committed: the checks see it, so must owns.
    repo.git('-C', wt, 'reset', '-q', '--hard', `baton/fa.a${n}~1`);
    writeFileSync(join(wt, 'stray.txt'), 'x\n');
    const uncommitted = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(uncommitted.code, uncommitted.stdout + uncommitted.stderr).toBe(1);
    expect(uncommitted.stdout).toMatch(/changed outside owns: stray\.txt/);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    expect(status.features.find((f: { feature_id: string }) => f.feature_id === 'fa').status).toBe(
      'failed-checks',
    );
  });

  it('refuses a best-of-N feature whose baton/<id> is gone (as `baton clean` leaves it), logging nothing; `pick` brings it back', async () => {
    const repo = await ranTwoAttempts();
    const { n, wt } = winnerOf(repo);
    writeFileSync(join(wt, 'src', 'fa', 'out.txt'), 'ok v2\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    // `baton clean fa` once fa is merged: baton/fa goes, the winner's attempt (a commit past the log) stays.
    repo.git('branch', '-D', 'baton/fa');
    const logged = events(repo).length;

    const verify = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(
      new RegExp(
        `^baton: baton/fa does not exist .*baton/fa\\.a${n} .*\\[verify/no-branch\\]\nhint: Run \`baton pick fa ${n}\``,
      ),
    );
    expect(verify.stderr).not.toMatch(/could not diff|\\n/);
    expect(events(repo)).toHaveLength(logged);

    expect((await runBaton(['pick', 'fa', String(n)], { cwd: repo.root })).code).toBe(0);
    const again = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(repo.git('rev-parse', `baton/fa.a${n}`));
  });

  it('picking back an attempt whose later commit `baton verify` passed says so; after `baton clean` the branch is created', async () => {
    const repo = await ranTwoAttempts();
    const sel = events(repo).find((e) => e.type === 'attempt.selected');
    const n = sel?.type === 'attempt.selected' ? sel.winner : 0;
    const other = n === 1 ? 2 : 1;
    const wt = join(`${repo.root}.baton-worktrees`, `fa.a${n}`);
    writeFileSync(join(wt, 'src', 'fa', 'out.txt'), 'ok v2\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    const fixed = repo.git('rev-parse', `baton/fa.a${n}`);
    expect((await runBaton(['verify', 'fa'], { cwd: repo.root })).code).toBe(0);

    expect((await runBaton(['pick', 'fa', String(other)], { cwd: repo.root })).code).toBe(0);
    const back = await runBaton(['pick', 'fa', String(n)], { cwd: repo.root });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(
      `note: baton/fa.a${n} has 1 commit(s) past it; its checks passed on its tip ${fixed.slice(0, 8)} (2/2), but baton/fa holds the recorded commit`,
    );
    expect(back.stdout).not.toContain('no check has passed');

    expect((await runBaton(['clean', 'fa', '--force'], { cwd: repo.root })).code).toBe(0);
    const made = await runBaton(['pick', 'fa', String(other)], { cwd: repo.root });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(
      new RegExp(`^baton/fa created at attempt ${other} \\([0-9a-f]{8}\\); it did not exist\n`),
    );
    expect(made.stdout).not.toContain('it held attempt');
  });

  it('attempts and their checks see BATON_FEATURE_ID=<feature> and BATON_ATTEMPT; their hooks still land on the attempt', async () => {
    const agent = [
      'mkdir -p src/fa; echo ok > src/fa/out.txt; echo "$BATON_FEATURE_ID $BATON_ATTEMPT" > src/fa/env.txt',
      `${JSON.stringify(process.execPath)} ${JSON.stringify(BATON_BIN)} hook stop </dev/null`,
      '',
    ].join('\n');
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'agent.sh': agent,
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'specs/fa/contract.md': `---\nfeature_id: fa\ntitle: fa\nowns: ["src/fa/**"]\nacceptance_criteria:\n  - id: who\n    text: checks know the feature\n    run: test "$BATON_FEATURE_ID" = fa\n---\n`,
    });
    repos.push(repo);
    const run = await runBaton(['run', 'fa', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(repo.git('show', 'baton/fa.a1:src/fa/env.txt')).toBe('fa 1');
    expect(repo.git('show', 'baton/fa.a2:src/fa/env.txt')).toBe('fa 2');
    const hooks = events(repo).filter((e) => e.type === 'hook');
    expect(hooks.map((e) => e.feature_id).sort()).toEqual(['fa.a1', 'fa.a2']);
    const verify = await runBaton(['verify', 'fa'], { cwd: repo.root });
    expect(verify.code, verify.stdout).toBe(0);
  });
});
