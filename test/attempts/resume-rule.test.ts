// @module-tag slow
// `run --resume` of a best-of-N run killed with SIGKILL: it keeps the run's selection rule, refuses to
// leave out an attempt that run started, and stops (and ends) the dead run's attempts it does not run.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptEnded, BatonEvent, RunStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { alphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
const groups: number[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const g of groups.splice(0)) if (groupAlive(g)) process.kill(-g, 'SIGKILL');
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository whose `alpha` agent is `agent`, with `$MARK` (outside it) for an agent's first start. */
function setUp(agent: string) {
  const repo = alphaRepo(agent);
  repos.push(repo);
  const env = { MARK: join(dirname(repo.root), `mark-${process.pid}-${Date.now()}`) };
  const log = join(repo.root, '.baton', 'log.jsonl');
  const events = () => (existsSync(log) ? (readLog(log).events as BatonEvent[]) : []);
  const ended = (n: number) => events().some((e) => e.type === 'attempt.ended' && e.attempt === n);
  /** Starts `baton run <args>` and kills it with SIGKILL once `ready` holds. */
  const runAndKill = async (args: string[], ready: () => boolean) => {
    const child = spawn(process.execPath, [BATON_BIN, 'run', ...args], {
      cwd: repo.root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    children.push(child);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const ok = await until(ready, 20_000);
    expect(ok, JSON.stringify(events().map((e) => e.type))).toBe(true);
    child.kill('SIGKILL');
    await exited;
  };
  /** The process group the dead run's `alpha.a<n>` agent runs in, alive. */
  const agentGroup = (n: number) => {
    const started = events().find((e) => e.type === 'feature.started' && e.feature_id === `alpha.a${n}`);
    const pgid = (started as { pgid?: number } | undefined)?.pgid;
    expect(pgid).toBeDefined();
    groups.push(pgid!);
    expect(groupAlive(pgid!)).toBe(true);
    return pgid!;
  };
  return { repo, env, events, ended, runAndKill, agentGroup };
}

const status = async (root: string) => {
  const json = JSON.parse((await runBaton(['status', '--json'], { cwd: root })).stdout);
  return json.features.find((f: { feature_id: string }) => f.feature_id === 'alpha');
};

describe('resuming an interrupted best-of-N run', () => {
  it('keeps `--select first-passing`: the attempt that passed wins, the other is not run again', async () => {
    // Attempt 2 ignores SIGTERM on its first start, so the dead run's stop of it is still under way.
    const t = setUp(
      [
        'mkdir -p src/alpha',
        'if [ "$BATON_ATTEMPT" = 1 ]; then sleep 0.3; echo ok > src/alpha/a.txt; exit 0; fi',
        'if [ ! -e "$MARK" ]; then touch "$MARK"; trap "" TERM; i=0; while [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done; fi',
        'echo late > src/alpha/a.txt',
        '',
      ].join('\n'),
    );
    await t.runAndKill(
      ['--attempts', '2', '--select', 'first-passing'],
      () => existsSync(t.env.MARK) && t.ended(1),
    );
    const pgid = t.agentGroup(2);

    const resumed = await runBaton(['run', '--resume'], { cwd: t.repo.root, env: t.env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/stopped what the dead run left running for alpha\.a2/);
    expect(resumed.stdout).toMatch(/alpha: attempt 1 wins \(first-passing\)/);
    expect(groupAlive(pgid)).toBe(false);
    const all = t.events();
    const runs = all.filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs.map((r) => r.select)).toEqual([{ alpha: 'first-passing' }, { alpha: 'first-passing' }]);
    const second = runs[1]!.run_id;
    expect(all.some((e) => e.run_id === second && e.type === 'attempt.started')).toBe(false);
    const selected = all.filter((e) => e.type === 'attempt.selected');
    expect(selected.map((e) => [e.winner, e.select])).toEqual([[1, 'first-passing']]);
    const alpha = await status(t.repo.root);
    expect(alpha.status).toBe('complete');
    expect(alpha.attempts.map((a: { status: string }) => a.status)).toEqual(['complete', 'stopped']);
    // The dead run started attempt 2: this run did not run it again, which is not "not started".
    const ended2 = all.find(
      (e): e is AttemptEnded => e.run_id === second && e.type === 'attempt.ended' && e.attempt === 2,
    );
    expect(ended2?.reason).toMatch(/^not run again: attempt 1 passed every criterion first/);
  });

  /** Attempts 1 and 2 end at once; attempt 3 sleeps on its first start. */
  const SLOW_THIRD = [
    'mkdir -p src/alpha && echo $BATON_UNIT_ID > src/alpha/a.txt',
    'if [ "$BATON_ATTEMPT" = 3 ] && [ ! -e "$MARK" ]; then touch "$MARK"; sleep 30; fi',
    '',
  ].join('\n');

  it('refuses fewer --attempts than the dead run started, touching nothing; a plain resume runs them all', async () => {
    const t = setUp(SLOW_THIRD);
    await t.runAndKill(['--attempts', '3'], () => existsSync(t.env.MARK) && t.ended(1) && t.ended(2));
    const pgid = t.agentGroup(3);
    const logged = t.events().length;

    const fewer = await runBaton(['run', '--resume', '--attempts', '2'], { cwd: t.repo.root, env: t.env });
    expect(fewer.code).toBe(1);
    expect(fewer.stderr).toMatch(
      /the interrupted best-of-N run of alpha had 3 attempts; --attempts 2 would leave out attempt 3 \(running\), .* \[run\/fewer-attempts\]\nhint: Resume without --attempts: `baton run --resume alpha`/,
    );
    expect(t.events()).toHaveLength(logged);
    expect(groupAlive(pgid)).toBe(true);

    const resumed = await runBaton(['run', '--resume', 'alpha'], { cwd: t.repo.root, env: t.env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/stopped what the dead run left running for alpha\.a3/);
    expect(groupAlive(pgid)).toBe(false);
    const alpha = await status(t.repo.root);
    expect(alpha.attempts.map((a: { status: string }) => a.status)).toEqual([
      'complete',
      'complete',
      'complete',
    ]);
    // One selection, over the three attempts.
    const selected = t.events().filter((e) => e.type === 'attempt.selected');
    expect(selected.map((e) => [...e.ranking].sort())).toEqual([[1, 2, 3]]);
  });

  it('a plain resume stops and ends an attempt the dead run left running after its feature was decided', async () => {
    const t = setUp(SLOW_THIRD);
    await t.runAndKill(['--attempts', '3'], () => existsSync(t.env.MARK) && t.ended(1) && t.ended(2));
    const pgid = t.agentGroup(3);
    // What a Baton before the refusal left after `run --resume --attempts 2`: alpha decided, attempt 3 running.
    const runId = t.events()[0]!.run_id;
    const ts = new Date().toISOString();
    const line = (e: object) => `${JSON.stringify({ v: 1, ts, run_id: runId, ...e })}\n`;
    appendFileSync(
      join(t.repo.root, '.baton', 'log.jsonl'),
      line({
        type: 'attempt.selected',
        feature_id: 'alpha',
        winner: 2,
        select: 'best',
        reasons: ['attempt 2 over attempt 1'],
        ranking: [2, 1],
        branch: 'baton/alpha',
      }) + line({ type: 'feature.ended', feature_id: 'alpha', status: 'complete', reason: 'attempt 2 won' }),
    );
    // Its run is dead: status reads the attempt interrupted (inferred, not recorded) until the resume ends it.
    expect((await status(t.repo.root)).attempts[2].status).toBe('interrupted');

    const resumed = await runBaton(['run', '--resume'], { cwd: t.repo.root, env: t.env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/stopped what the dead run left running for alpha\.a3/);
    expect(resumed.stdout).toMatch(/alpha: attempt 3 stopped .*the resume does not run attempt 3 again/);
    expect(groupAlive(pgid)).toBe(false);
    const alpha = await status(t.repo.root);
    expect(alpha.status).toBe('complete');
    expect(alpha.winner.attempt).toBe(2);
    expect(alpha.attempts.map((a: { status: string }) => a.status)).toEqual([
      'complete',
      'complete',
      'stopped',
    ]);
  });
});
