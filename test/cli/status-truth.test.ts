/**
 * What `baton status` says of a feature is what Baton knows: a hook's "complete" does not show a
 * feature complete while its checks run, nor after the runner ended it failed; checks n/m counts
 * the criteria that will run (the implicit `owns` one too); a killed run's duration is unknown.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { deadRunLines } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const COMPLETION_HOOK = resolve(import.meta.dirname, '..', '..', 'examples', 'completionhook.sh');

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

interface JsonFeature {
  feature_id: string;
  status: string;
  duration_ms: number | null;
  checks: { passed: number; failed: number; total: number };
}

function statusJson(root: string): JsonFeature[] {
  const r = runBatonProcess(['status', '--json', '--no-disk'], { cwd: root });
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { features: JsonFeature[] }).features;
}

describe('status decides with the runner', () => {
  it("shows a feature the runner holds as verifying while its checks run, though its agent's hook said complete", async () => {
    const out = mkdtempSync(join(tmpdir(), 'baton-seen-'));
    const seenFile = join(out, 'seen.json');
    const repo = makeRepo(
      contractFiles([
        {
          id: 'x',
          // The agent reports itself complete with the hand-made completion hook, as in examples/.
          agent: { command: `mkdir -p src/x && echo x > src/x/a && sh ${COMPLETION_HOOK} x complete` },
          criteria: [
            {
              id: 'tests',
              text: 'the tests pass',
              // The check looks at status while it runs (the implicit owns check has passed), then fails.
              run: `"${process.execPath}" "${BATON_BIN}" status --json --no-disk > "${seenFile}"; exit 1`,
            },
          ],
        },
      ]),
    );
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).not.toBe(0);
    const worktree = statusJson(repo.root)[0];
    const seen = JSON.parse(readFileSync(seenFile, 'utf8')) as { features: JsonFeature[] };
    rmSync(out, { recursive: true, force: true });
    const during = seen.features.find((f) => f.feature_id === 'x');
    expect(during?.status).toBe('verifying');
    // One of the two checks that will run (owns, tests) has passed: 1/2, not 1/1.
    expect(during?.checks).toMatchObject({ passed: 1, total: 2 });
    expect(worktree?.status).toBe('failed-checks');
    expect(worktree?.checks).toMatchObject({ passed: 1, failed: 1, total: 2 });
  });

  it('keeps a feature whose agent failed failed when a hook says complete afterwards; checks count what would have run', async () => {
    const repo = makeRepo(
      contractFiles([
        { id: 'g', agent: { command: 'exit 3' }, criteria: [{ id: 't', text: 't', run: 'true' }] },
      ]),
    );
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).not.toBe(0);
    expect(statusJson(repo.root)[0]).toMatchObject({ status: 'failed', checks: { passed: 0, total: 2 } });
    appendFileSync(join(repo.root, '.baton', 'log.jsonl'), '{"feature_id":"g","status":"complete"}\n');
    expect(statusJson(repo.root)[0]?.status).toBe('failed');
    const table = runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout;
    expect(table).toMatch(/^g\s+failed\s+command\s+\S+ s\s+3\s+0\/2\s/m);
  });

  it('keeps a feature the runner ended as it ended it when a late hook or plain line reports another status', async () => {
    const repo = makeRepo(
      contractFiles([{ id: 'c', agent: { command: 'mkdir -p src/c && echo c > src/c/a' } }]),
    );
    repos.push(repo);
    // Checked (its `owns` check): with --no-verify the row would say why its checks never ran instead.
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const hook = runBatonProcess(['hook', 'notification', '--feature', 'c', '--status', 'needs-input'], {
      cwd: repo.root,
    });
    expect(hook.code, hook.stderr).toBe(0);
    expect(statusJson(repo.root)[0]?.status).toBe('complete');
    for (const status of ['running', 'failed']) {
      appendFileSync(log, `${JSON.stringify({ feature_id: 'c', status })}\n`);
      expect(statusJson(repo.root)[0]?.status, status).toBe('complete');
    }
    // The last-event column says the line was ignored, not a bare "failed" beside "complete".
    const row = runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout;
    expect(row).toMatch(/^c\s+complete\s.*status \(failed, ignored\)/m);
  });

  it('still takes a log written by hooks alone at its word', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      '{"feature_id":"h","status":"running","ts":"2026-01-01T00:00:00Z"}\n{"feature_id":"h","status":"complete","ts":"2026-01-01T00:00:05Z"}\n',
    );
    expect(statusJson(repo.root)[0]).toMatchObject({ status: 'complete', duration_ms: 5000 });
  });
});

describe('status of a run killed outright', () => {
  it('shows how long the interrupted agent worked as unknown, not 0.0 s', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    writeFileSync(
      log,
      `${deadRunLines('k')
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );
    const r = runBatonProcess(['status', '--no-disk'], { cwd: repo.root });
    expect(r.stdout).toMatch(/^k\s+interrupted\s+—\s+unknown\s/m);
    expect(r.stdout).not.toContain('0.0 s');
    expect(statusJson(repo.root)[0]).toMatchObject({ status: 'interrupted', duration_ms: null });
  });

  it('says once that an over-long log line was skipped', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      `{"feature_id":"a","x":"${'y'.repeat(1100 * 1024)}"}\n`,
    );
    const r = runBatonProcess(['status', '--no-disk'], { cwd: repo.root });
    expect(r.stderr).toMatch(/log\.jsonl:1: skipped: line longer than 1048576 bytes: /);
    expect(r.stderr.match(/skipped/g)).toHaveLength(1);
  });

  it('gives a reason the row cut in full under the table, its hint at the end included', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const [start] = deadRunLines('k');
    const reason = `${'the branch lacks the latest code of its dependency '.repeat(3)}; start it over with \`baton run --restart k\``;
    const ended = {
      v: 1,
      ts: new Date().toISOString(),
      type: 'feature.ended',
      feature_id: 'k',
      status: 'failed',
      reason,
    };
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      `${JSON.stringify(start)}\n${JSON.stringify(ended)}\n`,
    );
    const r = runBatonProcess(['status', '--no-disk'], { cwd: repo.root });
    const row = r.stdout.split('\n').find((l) => l.startsWith('k '));
    expect(row).not.toContain('--restart k');
    expect(r.stdout).toContain(`why, in full:\n  k: ${reason}\n`);
  });

  it('names the first ten bad log lines and counts the rest, in status and in report', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const [start] = deadRunLines('k');
    writeFileSync(log, `${JSON.stringify(start)}\n${'not json\n'.repeat(100)}`);
    for (const args of [['status', '--no-disk'], ['report']]) {
      const lines = runBatonProcess(args, { cwd: repo.root }).stderr.trimEnd().split('\n');
      expect(lines.filter((l) => l.includes(': skipped: '))).toHaveLength(10);
      expect(lines.at(-1)).toBe(`${log}: 90 more bad lines skipped (\`baton doctor\` counts them all)`);
    }
  });
});
