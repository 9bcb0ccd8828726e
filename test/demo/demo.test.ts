// @module-tag slow
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countHeadline, withReport } from '../../src/dashboard/view.js';
import { DEMO_SPEC } from '../../src/demo/scaffold.js';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { COMPARISON_PHASE, computeReport } from '../../src/metrics/report.js';
import type { Report } from '../../src/metrics/types.js';
import { lintProject, loadProject } from '../../src/project.js';
import { escapeXml } from '../../src/report/svg.js';
import { runBaton } from '../rig/cli.js';

const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-demo-test-')));
const caller = realpathSync(mkdtempSync(join(tmpdir(), 'baton-demo-cwd-')));
afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
  rmSync(caller, { recursive: true, force: true });
});

async function waitForPort(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A port nothing listens on now, picked by the system (never a fixed one another test could hold). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('baton demo', () => {
  const repo = join(parent, 'demo', 'assignment-grader');
  let r: { code: number; stdout: string; stderr: string } | undefined;
  let output = '';

  // The demo runs once for the file; each test then reads what it left, and neither depends on the other
  // having passed (a failed demo fails here, with its output, for both).
  beforeAll(async () => {
    r = await runBaton(['demo', '--dir', join(parent, 'demo'), '--agent-seconds', '0.5', '--compare'], {
      cwd: caller,
    });
    output = r.stdout;
    if (r.code !== 0) throw new Error(`baton demo exited ${r.code}:\n${r.stdout.slice(-4000)}\n${r.stderr}`);
  }, 180_000);

  it('runs the whole method on the Assignment Grader: every criterion passes, no conflicts, integrated tests pass', () => {
    if (!r) throw new Error('the demo did not run');
    const events = readLog(join(repo, '.baton', 'log.jsonl')).events as BatonEvent[];
    const failedChecks = events.filter((e) => e.type === 'check.failed');
    expect(failedChecks, JSON.stringify(failedChecks, null, 2)).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout.slice(-4000)).toBe(0);
    expect(readdirSync(caller)).toEqual([]); // the caller's folder is untouched
    const checks = events.filter((e) => e.type.startsWith('check.'));
    // 3 + 2 + 2 worktree criteria, the feedback flow on the integration branch, and the worktree
    // criteria again on the result before --into moved main.
    expect(
      checks
        .map(
          (e) =>
            `${'feature_id' in e ? e.feature_id : ''}:${'criterion_id' in e ? e.criterion_id : ''}:${'on' in e ? e.on : ''}:${e.type}`,
        )
        .sort(),
    ).toEqual([
      'feature-001-upload:latency:promotion:check.passed',
      'feature-001-upload:latency:worktree:check.passed',
      'feature-001-upload:ownership:promotion:check.passed',
      'feature-001-upload:ownership:worktree:check.passed',
      'feature-001-upload:unit:promotion:check.passed',
      'feature-001-upload:unit:worktree:check.passed',
      'feature-002-grade:ownership:promotion:check.passed',
      'feature-002-grade:ownership:worktree:check.passed',
      'feature-002-grade:unit:promotion:check.passed',
      'feature-002-grade:unit:worktree:check.passed',
      'feature-003-feedback:flow:integration:check.passed',
      'feature-003-feedback:ownership:promotion:check.passed',
      'feature-003-feedback:ownership:worktree:check.passed',
      'feature-003-feedback:unit:promotion:check.passed',
      'feature-003-feedback:unit:worktree:check.passed',
    ]);
    expect(events.filter((e) => e.type === 'merge.conflict')).toEqual([]);
    expect(events.filter((e) => e.type === 'merge.clean')).toHaveLength(3);
    expect(
      events
        .filter((e) => e.type === 'integration.tested')
        .every((e) => e.type === 'integration.tested' && e.passed),
    ).toBe(true);
    expect(output).toContain(join(repo, '.baton', 'report.html'));
  });

  it('starts with decompose: the scripted agent’s contracts lint clean, are committed, and the score is printed', async () => {
    if (!r) throw new Error('the demo did not run');
    const start = output.indexOf(
      `== 1. decompose the spec into contracts (the scripted agent writes them): baton decompose ${DEMO_SPEC}`,
    );
    const end = output.indexOf('== 2. lint the contracts');
    expect(start, output.slice(0, 4000)).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const section = output.slice(start, end);
    const contracts = ['feature-001-upload', 'feature-002-grade', 'feature-003-feedback'].map(
      (id) => `specs/${id}/contract.md`,
    );
    for (const file of contracts) expect(section).toContain(`wrote ${file}`);
    expect(section).toMatch(/decomposition score: (0 \(clean\)|\d+)/);
    expect(section).toContain('critical path');
    expect(section).toContain('lint is clean');
    // One commit holds exactly the three contracts, nothing outside specs/.
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    const commit = gitIn(
      'log',
      '--format=%H',
      '--grep',
      'Contracts of the Assignment Grader (baton decompose)',
      '--fixed-strings',
    );
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn('show', '--name-only', '--format=', commit).split('\n').sort()).toEqual(contracts);
    // Linted as committed, in a clone at that commit: no error, no warning.
    const clone = join(parent, 'decomposed');
    execFileSync('git', ['clone', '-q', repo, clone]);
    execFileSync('git', ['checkout', '-q', commit], { cwd: clone });
    const lint = await lintProject(clone);
    expect(lint.contracts).toBe(3);
    expect(lint.diagnostics).toEqual([]);
  });

  it('tells one story: the same headline and integration ratio in the terminal, markdown, JSON, HTML and dashboard', async () => {
    const json = await runBaton(['report', '--json'], { cwd: repo });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    const { headline, integration } = report;
    // Measured against the -j 1 run, which the log records and the timeline labels (no unexplained gap).
    expect(headline.basis).toBe('sequential-run');
    expect(headline.text).toMatch(/^Implementation speedup \d+\.\d× \(measured\)/);
    expect(report.timeline.phases.map((p) => p.phase)).toContain(COMPARISON_PHASE);
    expect(report.conflicts.count).toBe(0);
    // Minutes of estimates against seconds of scripted agents: never turned into a speedup.
    expect(report.worksheet.rows.find((r) => r.parallel)?.estimate_comparable).toBe(false);
    // Terminal (after the -j 1 run and in the summary) and the markdown report it printed.
    expect(output.split(headline.text).length - 1).toBeGreaterThanOrEqual(2);
    expect(output).toContain(`**${headline.text}**`);
    expect(output).toContain(`integration:  ${integration.verdict_text}`);
    // The HTML report the demo wrote.
    const html = readFileSync(join(repo, '.baton', 'report.html'), 'utf8');
    expect(html).toContain(escapeXml(headline.text));
    expect(html).toContain(escapeXml(integration.verdict_text));
    // The dashboard's headline, from the same log and contracts.
    const project = await loadProject(repo);
    const events = readLog(join(repo, '.baton', 'log.jsonl')).events;
    const metrics = withReport(
      countHeadline(foldEvents(events), project.plan),
      computeReport({ events, plan: project.plan, estimates: project.config.estimates }),
      0,
    );
    expect(metrics.speedup).toBe(headline.speedup);
    expect(metrics.headline_text).toBe(headline.text);
    expect(metrics.integration_ratio).toBe(integration.ratio);
    // Integration counts its one attempt, and its post-merge tests ran the suite in one process each time.
    expect(integration).toMatchObject({
      attempts: 1,
      discarded_attempts: 0,
      tests: { passed: 3, failed: 0 },
    });
    expect(integration.ratio).toBeCloseTo(
      (integration.duration_min ?? 0) / (integration.execution_min ?? 1),
      10,
    );
  });

  it('leaves a real project: npm test passes on main and its server answers the contracts endpoints', async () => {
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
    // What `npm test` runs: every test file, in one process.
    execFileSync(process.execPath, ['scripts/run-tests.js'], { cwd: repo, stdio: 'pipe' });
    const port = await freePort();
    const server = spawn(process.execPath, ['src/server.js'], {
      cwd: repo,
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForPort(`${base}/health`, 10_000);
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
      const created = await post('/submissions', { student: 'lin', assignment: 'hw2', answers: ['a', 'b'] });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${base}/submissions/${id}`)).status).toBe(200);
      expect((await fetch(`${base}/submissions`)).status).toBe(200);
      expect(await (await post(`/submissions/${id}/grade`, { key: ['a', 'c'] })).json()).toMatchObject({
        score: 1,
        total: 2,
      });
      expect(await (await fetch(`${base}/submissions/${id}/feedback`)).json()).toMatchObject({
        percent: 50,
        letter: 'F',
      });
    } finally {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((done) => server.once('exit', done));
        server.kill();
        await exited;
      }
    }
  });
});
