import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { featureRow, NO_AGENT_LOG } from '../../src/cli/feature-rows.js';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { stampEvent } from '../../src/log/append.js';
import { pendingFeature } from '../../src/log/fold.js';
import { palette } from '../../src/terminal/style.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton status', () => {
  it('--watch redraws when events are appended and stops on interrupt', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(log, '{"feature_id":"feature-001-a","status":"running"}\n');
    let stop: () => void = () => {};
    let outputSoFar = '';
    const watching = runBaton(['status', '--watch'], {
      cwd: repo.root,
      interrupt: (fire) => {
        stop = fire;
      },
      onStdout: (text) => {
        outputSoFar = text;
      },
    });
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(outputSoFar); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(/running/);
    appendFileSync(log, '{"feature_id":"feature-001-a","status":"complete"}\n');
    await until(/complete/);
    stop();
    const result = await watching;
    expect(result.code).toBe(0);
    const tables = outputSoFar.split('no run yet').filter(Boolean);
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(tables[0]).toMatch(/feature-001-a\s+running/);
    expect(tables.at(-1)).toMatch(/feature-001-a\s+complete/);
  });

  it('reports a torn line with its number on stderr and still shows the rest', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      '{"feature_id":"a","status":"complete"}\n{"feature_id":"b","sta\n{"feature_id":"c","status":"failed"}\n',
    );
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/log\.jsonl:2: skipped/);
    expect(r.stdout).toMatch(/a\s+complete/);
    expect(r.stdout).toMatch(/c\s+failed/);
    // No contracts at all (a log written by hooks alone): nothing is hidden, nothing to warn about.
    expect(r.stderr).not.toMatch(/not loaded/);
  });

  it('warns on stderr when a contract does not parse, and still lists every feature', async () => {
    const repo = makeRepo(contractFiles([{ id: 'a' }, { id: 'b' }, { id: 'c' }]));
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(join(repo.root, '.baton', 'log.jsonl'), '{"feature_id":"a","status":"complete"}\n');
    const broken = contractText({ id: 'b' }).replace(/^owns:\n {2}- (.*)$/m, 'owns: ["$1"');
    expect(broken).toContain('owns: ["src/b/**"\n');
    repo.write({ 'specs/b/contract.md': broken });
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^a\s+complete/m);
    expect(r.stdout).toMatch(/^b\s+pending/m);
    expect(r.stdout).toMatch(/^c\s+pending/m);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^baton: contracts not loaded \(specs\/b\/contract\.md:\d+:\d+: the front matter is not valid YAML: .*\): showing the features the log and the specs folder name; run `baton lint` for every problem$/,
    );
  });

  it('warns on stderr when the config is invalid, and still shows what the log names', async () => {
    const repo = makeRepo(contractFiles([{ id: 'a' }, { id: 'b' }]));
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      '{"feature_id":"a","status":"complete"}\n{"feature_id":"b","status":"failed"}\n',
    );
    repo.write({ 'baton.config.json': '{"test": ' });
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^a\s+complete/m);
    expect(r.stdout).toMatch(/^b\s+failed/m);
    expect(r.stderr).toMatch(
      /^baton: config not loaded \(baton\.config\.json:1:10: not valid JSON: .*\): showing the features the log and the default specs folder \(specs\/\) name; run `baton lint` for every problem\n$/,
    );
  });

  it('lists the features of the default specs folder when the config does not load and the log is empty', async () => {
    const repo = makeRepo(contractFiles([{ id: 'a' }]));
    repos.push(repo);
    repo.write({ 'baton.yaml': 'agent: [\n' });
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^a\s+pending/m);
    expect(r.stderr).toMatch(/^baton: config not loaded \(baton\.yaml:/);
  });
});

describe('after an integration whose checks failed on the merged result', () => {
  it('names the failed criterion on the complete feature’s row and counts it in --json', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'a',
          agent: { command: 'mkdir -p src/a && echo hi > src/a/x.txt' },
          criteria: [
            { id: 't', text: 'marker', run: 'test -f src/a/x.txt' },
            { id: 'e2e', text: 'end to end', run: 'echo E2E-BROKE; exit 1', after: 'integration' },
          ],
        },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const integrated = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrated.stdout).toContain('checks-failed');
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).toMatch(/^a +complete .*after integration: check e2e failed: /m);
    expect(status.stdout).toContain('E2E-BROKE');
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    expect(json.features[0].integration_checks).toEqual({ passed: 0, failed: 1, unverifiable: 0, total: 1 });
  });
});

describe('live progress', () => {
  it('redraws a table in place on a TTY and writes one line per event elsewhere', async () => {
    let tty = '';
    const live = await createProgressRenderer({ write: (s) => (tty += s), isTTY: true }, palette(false), [
      'f1',
    ]);
    live.onEvent(
      stampEvent({
        type: 'feature.started',
        feature_id: 'f1',
        status: 'running',
        agent: 'demo',
        branch: 'baton/f1',
        worktree: '/w',
        log_file: '/l',
        port: 1,
      }),
    );
    live.onEvent(stampEvent({ type: 'feature.ended', feature_id: 'f1', status: 'complete' }));
    live.close();
    expect(tty).toContain('\x1b[1A\x1b[2K'); // cursor up over the previous table, erasing it (log-update)
    expect(tty).toMatch(/f1\s+complete/);
    let plain = '';
    const lines = await createProgressRenderer({ write: (s) => (plain += s), isTTY: false }, palette(false), [
      'f1',
    ]);
    lines.onEvent(
      stampEvent({
        type: 'feature.ended',
        feature_id: 'f1',
        status: 'failed',
        reason: 'the agent failed: exit 1',
      }),
    );
    expect(plain).toBe('f1: failed — the agent failed: exit 1\n');
  });
});

describe('why, what it cost, and who went silent', () => {
  const at = (s: number) => new Date(Date.parse('2030-01-01T00:00:00Z') + s * 1000);

  it('status shows the failing criterion with its message, and a cost column from agent usage', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const started = (id: string) =>
      stampEvent(
        {
          type: 'feature.started',
          feature_id: id,
          status: 'running',
          agent: 'claude',
          branch: `baton/${id}`,
          worktree: `/w/${id}`,
          log_file: `/l/${id}`,
          port: 41000,
        },
        () => at(0),
      );
    const exited = (id: string, usage: Record<string, number>) =>
      stampEvent(
        {
          type: 'agent.exited',
          feature_id: id,
          exit_code: 0,
          signal: null,
          duration_ms: 5000,
          files: [`src/${id}.js`],
          usage,
        },
        () => at(5),
      );
    const lines = [
      started('api'),
      exited('api', { cost_usd: 0.42 }),
      stampEvent(
        {
          type: 'check.failed',
          feature_id: 'api',
          criterion_id: 'latency',
          text: 'GET requests < 100 ms (p95)',
          kind: 'http',
          on: 'worktree',
          message: 'p95 212 ms > 100 ms',
        },
        () => at(6),
      ),
      stampEvent(
        {
          type: 'feature.ended',
          feature_id: 'api',
          status: 'failed-checks',
          reason: 'latency: p95 212 ms > 100 ms',
        },
        () => at(7),
      ),
      started('store'),
      exited('store', { input_tokens: 12000, output_tokens: 500 }),
    ];
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.stdout).toMatch(/feature\s+status\s+agent\s+elapsed\s+exit\s+checks\s+cost\s+last event/);
    expect(r.stdout).toMatch(
      /api\s+failed-checks\s+claude\s+5\.0 s\s+0\s+0\/1\s+\$0\.42\s+latency: p95 212 ms > 100 ms/,
    );
    expect(r.stdout).toMatch(/store\s+verifying\s+claude\s+5\.0 s\s+0\s+—\s+12\.5k tok/);
  });

  it('a running agent that has printed nothing for over a minute is shown silent', () => {
    const f = {
      ...pendingFeature('quiet'),
      status: 'running' as const,
      started_at: at(0).toISOString(),
      log_file: '/l/quiet',
    };
    const now = at(100).getTime();
    const row = featureRow(f, palette(false), now, { ...NO_AGENT_LOG, outputAt: () => at(25).getTime() });
    expect(row[1]).toBe('running (silent 75 s)');
    expect(featureRow(f, palette(false), now, { ...NO_AGENT_LOG, outputAt: () => at(50).getTime() })[1]).toBe(
      'running',
    );
  });
});

describe('live progress on a terminal', () => {
  it('keeps each finished check printed above the redrawn table', async () => {
    let tty = '';
    const live = await createProgressRenderer({ write: (s) => (tty += s), isTTY: true }, palette(false), [
      'f1',
    ]);
    live.onEvent(
      stampEvent({
        type: 'check.failed',
        feature_id: 'f1',
        criterion_id: 'owns',
        text: 'changes stay inside owns',
        kind: 'files',
        on: 'worktree',
        message: 'changed outside owns: src/store.js (owns: src/f1/**)',
      }),
    );
    live.close();
    expect(tty).toContain('f1: check owns failed: changed outside owns: src/store.js');
    // Printed once, above the table, not redrawn with it.
    expect(tty.split('check owns failed')).toHaveLength(2);
  });
});
