// @module-tag slow
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
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
    // 3 + 2 + 2 worktree criteria and the feedback flow on the integration branch.
    expect(
      checks
        .map(
          (e) =>
            `${'feature_id' in e ? e.feature_id : ''}:${'criterion_id' in e ? e.criterion_id : ''}:${e.type}`,
        )
        .sort(),
    ).toEqual([
      'feature-001-upload:latency:check.passed',
      'feature-001-upload:ownership:check.passed',
      'feature-001-upload:unit:check.passed',
      'feature-002-grade:ownership:check.passed',
      'feature-002-grade:unit:check.passed',
      'feature-003-feedback:flow:check.passed',
      'feature-003-feedback:ownership:check.passed',
      'feature-003-feedback:unit:check.passed',
    ]);
    expect(events.filter((e) => e.type === 'merge.conflict')).toEqual([]);
    expect(events.filter((e) => e.type === 'merge.clean')).toHaveLength(3);
    expect(
      events
        .filter((e) => e.type === 'integration.tested')
        .every((e) => e.type === 'integration.tested' && e.passed),
    ).toBe(true);
    expect(output).toMatch(/implementation speedup \d+\.\d\d×/);
    expect(output).toContain(join(repo, '.baton', 'report.html'));
  });

  it('leaves a real project: node --test passes on main and its server answers the contracts endpoints', async () => {
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
    execFileSync(process.execPath, ['--test'], { cwd: repo, stdio: 'pipe' });
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
