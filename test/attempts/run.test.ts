// @module-tag slow
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AttemptEnded, AttemptSelected, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { freePortBase } from '../checks/rig.js';
import { fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
const URL = 'http://127.0.0.1:${PORT}/';
const AGENT = fixture('attempts', 'agent.mjs');
/** A `command` agent of known quality (see test/fixtures/attempts/agent.mjs). */
const agent = (args: string) => ({
  command: `${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} api ${args}`,
});

/** A repo with one feature `api` whose attempts are `attempts`, checked by a file, an `ok` marker and latency. */
async function repoWith(front: Record<string, unknown>, latency = true): Promise<TempRepo> {
  const contract = {
    feature_id: 'api',
    title: 'API',
    owns: ['src/api/**'],
    serve: 'node src/api/server.mjs',
    acceptance_criteria: [
      { id: 'server', text: 'the server exists', run: 'test -f src/api/server.mjs' },
      { id: 'ok', text: 'the ok marker exists', run: 'test -f src/api/ok' },
      ...(latency
        ? [
            {
              id: 'latency',
              text: 'answers fast',
              http: {
                url: URL,
                p95_ms: 1000,
                requests: 16,
                concurrency: 2,
                warmup: 1,
              },
            },
          ]
        : []),
    ],
    ...front,
  };
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': JSON.stringify({ port_base: await freePortBase(12) }),
    'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
  });
  repos.push(repo);
  return repo;
}

function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}
const ofType = <T extends BatonEvent['type']>(repo: TempRepo, type: T) =>
  events(repo).filter((e): e is Extract<BatonEvent, { type: T }> => e.type === type);

describe('best-of-N with command agents of known quality', () => {
  it('one fails a criterion, one passes at p95 150 ms, one at 20 ms: the 20 ms attempt wins, with its reasons logged', async () => {
    const repo = await repoWith({
      attempts: [agent('5 --no-ok'), agent('150'), agent('20')],
    });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ended = ofType(repo, 'attempt.ended') as AttemptEnded[];
    expect(ended.map((e) => [e.attempt, e.status]).sort()).toEqual([
      [1, 'failed-checks'],
      [2, 'complete'],
      [3, 'complete'],
    ]);
    const p95 = (n: number) => ended.find((e) => e.attempt === n)?.measured.latency?.p95_ms ?? 0;
    expect(p95(2)).toBeGreaterThanOrEqual(150);
    expect(p95(3)).toBeLessThan(p95(2));
    const [selected] = ofType(repo, 'attempt.selected') as AttemptSelected[];
    expect(selected).toMatchObject({ winner: 3, ranking: [3, 2, 1], select: 'best', branch: 'baton/api' });
    expect(selected?.reasons[0]).toMatch(
      /^attempt 3 over attempt 2: lower latency p95 \([\d.]+ ms vs [\d.]+ ms\)$/,
    );
    expect(selected?.reasons[1]).toBe('attempt 3 over attempt 1: every criterion passes (4/4 vs 3/4)');
    // The winner's commit is the feature's branch; every attempt keeps its own.
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a3'));
    expect(
      repo.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/baton/').split('\n').sort(),
    ).toEqual(['baton/api', 'baton/api.a1', 'baton/api.a2', 'baton/api.a3']);
    const featureEnd = ofType(repo, 'feature.ended');
    expect(featureEnd.map((e) => [e.feature_id, e.status])).toEqual([['api', 'complete']]);
    expect(featureEnd[0]?.reason).toMatch(/^attempt 3 of 3 won: attempt 3 over attempt 2: lower latency p95/);
    // Each attempt had its own worktree and port block.
    const started = ofType(repo, 'attempt.started');
    expect(new Set(started.map((e) => e.port)).size).toBe(3);
    expect(started.map((e) => e.worktree.endsWith(`api.a${e.attempt}`))).toEqual([true, true, true]);
    expect(r.stdout).toMatch(/api: attempt 3 wins \(best\): attempt 3 over attempt 2/);
    // `status` lists the attempts under their feature, the winner starred with why.
    const status = await runBaton(['status'], { cwd: repo.root });
    const lines = status.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('api '));
    expect(lines[at + 1]).toMatch(/^ {2}└ api\.a1 +failed-checks .*ok: /);
    expect(lines[at + 2]).toMatch(/^ {2}└ api\.a2 +complete .* 4\/4 /);
    expect(lines[at + 3]).toMatch(/^ {2}★ api\.a3 +complete .*winner: attempt 3 over attempt 2/);
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = json.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.attempts.map((a: { attempt: number; status: string }) => [a.attempt, a.status])).toEqual([
      [1, 'failed-checks'],
      [2, 'complete'],
      [3, 'complete'],
    ]);
    expect(api.winner).toMatchObject({ attempt: 3, ranking: [3, 2, 1] });
    expect(api.branch).toBe('baton/api');
    expect(api.checks).toEqual({ passed: 4, failed: 0, unverifiable: 0, total: 4 });
  });

  it('first-passing: the first attempt to pass everything stops the running one and keeps the queued one from starting', async () => {
    const repo = await repoWith(
      { attempts: [agent('0 --sleep 60'), agent('0'), agent('0')], select: 'first-passing' },
      false,
    );
    const r = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ended = ofType(repo, 'attempt.ended') as AttemptEnded[];
    const byAttempt = new Map(ended.map((e) => [e.attempt, e]));
    expect(byAttempt.get(2)?.status).toBe('complete');
    expect(byAttempt.get(1)?.status).toBe('stopped');
    // Its status says `stopped`; the reason does not say it again.
    expect(byAttempt.get(1)?.reason).toMatch(/^attempt 2 passed every criterion first/);
    expect(byAttempt.get(3)?.status).toBe('stopped');
    expect(byAttempt.get(3)?.reason).toMatch(/^not started/);
    // Attempt 3 never started; attempt 1's agent was stopped before it wrote anything.
    expect(
      ofType(repo, 'attempt.started')
        .map((e) => e.attempt)
        .sort(),
    ).toEqual([1, 2]);
    expect(byAttempt.get(1)?.files).toEqual([]);
    const [selected] = ofType(repo, 'attempt.selected');
    expect(selected).toMatchObject({ winner: 2, select: 'first-passing' });
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a2'));
  });

  it('a tie on the checks is broken by the documented rule (fewer lines changed), and `baton pick` overrides it', async () => {
    const repo = await repoWith({ attempts: [agent('0 --lines 30'), agent('0 --lines 2')] }, false);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [selected] = ofType(repo, 'attempt.selected');
    expect(selected?.winner).toBe(2);
    expect(selected?.reasons).toEqual([
      expect.stringMatching(/^attempt 2 over attempt 1: fewer lines changed \(\d+ vs \d+\)$/),
    ]);
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a2'));

    const pick = await runBaton(['pick', 'api', '1'], { cwd: repo.root });
    expect(pick.code, pick.stderr).toBe(0);
    expect(pick.stdout).toMatch(/baton\/api now holds attempt 1/);
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a1'));
    const picked = ofType(repo, 'attempt.picked');
    expect(picked).toMatchObject([{ feature_id: 'api', attempt: 1, previous: 2 }]);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = status.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.winner).toMatchObject({ attempt: 1, picked: true });

    const bad = await runBaton(['pick', 'api', '7'], { cwd: repo.root });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/attempt 7/);
  });

  it('--no-verify with best-of-N is refused before anything starts: the checks pick the winner', async () => {
    const repo = await repoWith({ attempts: 2, agent: agent('0') }, false);
    const r = await runBaton(['run', '--no-verify'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[run/attempts-unchecked]');
    expect(r.stderr).toContain(
      'api runs best-of-N, whose winner the acceptance checks pick, and --no-verify runs none',
    );
    expect(r.stderr).toContain('--attempts 1');
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    // One attempt each is a plain run, unchecked as asked.
    const plain = await runBaton(['run', '--no-verify', '--attempts', '1'], { cwd: repo.root });
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
  });
});
