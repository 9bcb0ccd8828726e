// @module-tag slow
// An `attempt.ended` is a line any process can append: `run --resume`, best-of-N's choice and `baton
// pick` move `baton/<id>` only to a commit its record is proven of (on `baton/<id>.a<n>`, and what it
// says passed, its own checks passed there). Real repositories, real `command` agents, the real CLI.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptEnded, AttemptSelected, BatonEvent, RunStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { alphaRepo, ranAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  for (const r of repos.splice(0)) r.cleanup();
});

const logPath = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const events = (repo: TempRepo) => readLog(logPath(repo)).events as BatonEvent[];
const ended = (repo: TempRepo) => events(repo).filter((e): e is AttemptEnded => e.type === 'attempt.ended');

/**
 * Starts `baton run --attempts 3` as a real process and SIGKILLs it once `count` attempt.ended lines
 * are in the log (an attempt still at work): the crash `run --resume` continues from.
 */
async function killedRun(repo: TempRepo, count: number): Promise<void> {
  const child = spawn(process.execPath, [BATON_BIN, 'run', '--attempts', '3'], {
    cwd: repo.root,
    stdio: 'ignore',
  });
  undo.push(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const seen = await until(() => ended(repo).length >= count, 60_000);
  expect(seen, JSON.stringify(events(repo).map((e) => e.type))).toBe(true);
  child.kill('SIGKILL');
  await exited;
}

describe('run --resume believes no attempt.ended its own checks do not prove', () => {
  it('an agent that commits bad work and appends a "complete, 2/2" line for itself is run again, never selected', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'specs/alpha/contract.md':
        '---\nfeature_id: alpha\ntitle: alpha\nowns: ["src/alpha/**"]\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: grep -q good src/alpha/a.txt\n---\n',
    });
    repos.push(repo);
    const mark = join(dirname(repo.root), 'forged.mark');
    // Every attempt writes `bad`. Attempt 2, the first time, commits it and claims it passed, then works on.
    const line =
      '{"v":1,"ts":"%s","run_id":"%s","type":"attempt.ended","feature_id":"alpha","attempt":2,"status":"complete","commit":"%s","files":["src/alpha/a.txt"],"checks":{"passed":2,"failed":0,"unverifiable":0,"total":2},"measured":{},"lines_changed":1,"outside_owns":0,"duration_ms":5}\\n';
    repo.commit('agent', {
      'agent.sh': `mkdir -p src/alpha; echo bad > src/alpha/a.txt
if [ "$BATON_ATTEMPT" = 2 ] && [ ! -f '${mark}' ]; then
  touch '${mark}'
  git add -A && git commit -qm sneaky
  printf '${line}' "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$BATON_RUN_ID" "$(git rev-parse HEAD)" >> "$BATON_LOG"
  sleep 60
fi
`,
    });
    await killedRun(repo, 3);
    const sneaky = repo.git('rev-parse', 'baton/alpha.a2');
    expect(ended(repo).find((e) => e.attempt === 2)).toMatchObject({ status: 'complete', commit: sneaky });

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1);
    expect(resumed.stdout).not.toContain('attempt 2 wins');
    const all = events(repo);
    const second = all.filter((e): e is RunStarted => e.type === 'run.started')[1]!.run_id;
    const inSecond = all.filter((e) => e.run_id === second);
    expect(inSecond.filter((e) => e.type === 'attempt.started').map((e) => e.attempt)).toEqual([2]);
    expect(
      inSecond.filter((e): e is AttemptEnded => e.type === 'attempt.ended').map((e) => [e.attempt, e.status]),
    ).toEqual([[2, 'failed-checks']]);
    expect(repo.git('rev-parse', 'baton/alpha')).not.toBe(sneaky);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    expect(status.features.find((f: { feature_id: string }) => f.feature_id === 'alpha').status).toBe(
      'failed-checks',
    );
  });

  it('an ended attempt whose recorded commit is no longer on its branch is run again, not kept: baton/<id> goes only to a commit on the winner branch', async () => {
    const repo = alphaRepo();
    repos.push(repo);
    const mark = join(dirname(repo.root), 'slept.mark');
    // Attempts 1 and 3 pass; attempt 2 works on past the crash the first time, and changes nothing after.
    repo.commit('agent', {
      'agent.sh': `if [ "$BATON_ATTEMPT" = 2 ]; then [ -f '${mark}' ] && exit 0; touch '${mark}'; sleep 60; fi
mkdir -p src/alpha; echo $BATON_UNIT_ID > src/alpha/a.txt
`,
    });
    await killedRun(repo, 2);
    const recorded = new Map(ended(repo).map((e) => [e.attempt, e.commit]));
    // The attempt branches moved after the log recorded their commits (reset by hand, say).
    for (const n of [1, 3]) repo.git('update-ref', `refs/heads/baton/alpha.a${n}`, 'main');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    const all = events(repo);
    const second = all.filter((e): e is RunStarted => e.type === 'run.started')[1]!.run_id;
    const startedAgain = all.filter((e) => e.type === 'attempt.started' && e.run_id === second);
    expect(startedAgain.map((e) => e.type === 'attempt.started' && e.attempt).sort()).toEqual([1, 2, 3]);
    const selected = all.find((e): e is AttemptSelected => e.type === 'attempt.selected');
    expect(selected, resumed.stdout + resumed.stderr).toBeDefined();
    expect(selected!.not_moved).toBeUndefined();
    const w = selected!.winner;
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(repo.git('rev-parse', `baton/alpha.a${w}`));
    expect(repo.git('rev-parse', 'baton/alpha')).not.toBe(recorded.get(w));
  });
});

/** `alpha` run best-of-2 to the end, both attempts passing; the winner and the other attempt. */
async function ranAlpha(): Promise<{ repo: TempRepo; winner: number; other: number }> {
  const repo = await ranAlphaRepo();
  repos.push(repo);
  const sel = events(repo).find((e): e is AttemptSelected => e.type === 'attempt.selected');
  const winner = sel?.winner ?? 0;
  return { repo, winner, other: winner === 1 ? 2 : 1 };
}

describe('baton pick moves baton/<id> only to a proven record', () => {
  it.each([
    {
      status: 'complete',
      passed: 2,
      says: (n: number, sha: string) =>
        `attempt ${n}'s record says every check passed (2/2) on ${sha}, but no check of attempt ${n} ran on that commit in the log`,
    },
    {
      status: 'failed',
      passed: 0,
      says: (n: number, sha: string) =>
        `its recorded commit ${sha} is not on baton/alpha.a${n}, and no check of attempt ${n} ran on it in the log`,
    },
  ] as const)('an appended attempt.ended ($status) naming a commit off its branch is refused', async (c) => {
    const { repo, other } = await ranAlpha();
    const held = repo.git('rev-parse', 'baton/alpha');
    const forged = repo.git('commit-tree', '-p', 'main', '-m', 'x', 'main^{tree}');
    const last = ended(repo).findLast((e) => e.attempt === other)!;
    const checks = { passed: c.passed, failed: 0, unverifiable: 0, total: 2 };
    appendFileSync(
      logPath(repo),
      `${JSON.stringify({ ...last, status: c.status, commit: forged, checks })}\n`,
    );

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toBe(
      `baton: attempt ${other} of alpha was not picked: ${c.says(other, forged.slice(0, 8))}; a line of the log is no proof (any process can append one), so nothing was changed [pick/unproven]\n` +
        'hint: Pick an attempt whose own checks ran on its recorded commit (`baton status` lists the attempts, with their checks).\n',
    );
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(held);
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);
  });

  it('notes an attempt branch past its recorded commit with no check on its tip, in words', async () => {
    const { repo, other } = await ranAlpha();
    const wt = join(`${repo.root}.baton-worktrees`, `alpha.a${other}`);
    writeFileSync(join(wt, 'src', 'alpha', 'more.txt'), 'more\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-qm', 'more');
    const tip = repo.git('rev-parse', `baton/alpha.a${other}`);

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `note: baton/alpha.a${other} has 1 commit(s) past it; no check has passed on its tip ${tip.slice(0, 8)}; \`baton verify alpha\` checks them and moves baton/alpha on when they pass\n`,
    );
  });

  it('says an attempt branch that went another way has diverged, not that it is past the commit', async () => {
    const { repo, other } = await ranAlpha();
    const recorded = ended(repo).findLast((e) => e.attempt === other)!.commit!;
    const elsewhere = repo.git('commit-tree', '-p', 'main', '-m', 'elsewhere', 'main^{tree}');
    repo.git('update-ref', `refs/heads/baton/alpha.a${other}`, elsewhere);

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(recorded);
    expect(r.stdout).toContain(
      `note: baton/alpha.a${other} has diverged from it (1 commit(s) of its own, without it); no check has passed on its tip ${elsewhere.slice(0, 8)}; \`baton verify alpha\` checks its tip, but moves baton/alpha on only to a tip that holds the recorded commit\n`,
    );
  });
});
