/**
 * Paths and ids a hostile log line names, read by `baton status`: a FIFO or any file as `log_file`, the
 * filesystem root as `worktree`, and ESC sequences that look like the palette's own colours.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { built, runBin } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repo(): TempRepo {
  const r = makeRepo();
  repos.push(r);
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  return r;
}

function appendLog(r: TempRepo, lines: Array<Record<string, unknown>>): void {
  appendFileSync(
    join(r.root, '.baton', 'log.jsonl'),
    lines.map((l) => `${JSON.stringify({ v: 1, ts: new Date().toISOString(), ...l })}\n`).join(''),
  );
}

function started(id: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: 'claude',
    branch: `baton/${id}`,
    worktree: '/x',
    log_file: '/x/agent.log',
    port: 1,
    pid: 1,
    pgid: 1,
    run_id: 'r1',
    ...extra,
  };
}

describe.runIf(built)('adversarial: status reads no path a log line names', () => {
  it('does not wait on a FIFO named as log_file, nor size "/" named as worktree', () => {
    const r = repo();
    const fifo = join(r.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    appendLog(r, [started('e', { log_file: fifo, worktree: '/' })]);
    const res = runBin(['status'], { cwd: r.root, timeoutMs: 20_000 });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^e\s+running\s+claude/m);
    // No disk column: "/" is not one of the repository's worktrees.
    expect(res.stdout).not.toMatch(/\bdisk\b/);
    // A worktree git lists on the feature's branch is sized, whatever path the line names.
    r.git('worktree', 'add', '-q', '-b', 'baton/real', join(r.root, '.wt-real'));
    appendLog(r, [started('real', { worktree: '/' })]);
    const sized = runBin(['status'], { cwd: r.root, timeoutMs: 20_000 }).stdout;
    expect(sized).toMatch(/\bdisk\b/);
    expect(sized).toMatch(/^real\s.*\d+(\.\d+)? [KMG]?B\s+feature\.started/m);
    expect(sized).toMatch(/^e\s.*—\s+feature\.started/m);
  });

  it("reads the silent and retrying notes from the agent log where Baton writes it, not the line's log_file", async () => {
    const r = repo();
    const retry = { type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 10, error_status: 529 };
    const elsewhere = join(r.root, 'elsewhere.log');
    writeFileSync(elsewhere, `${JSON.stringify(retry)}\n`);
    appendLog(r, [started('named', { log_file: elsewhere })]);
    expect((await runBaton(['status', '--no-disk'], { cwd: r.root })).stdout).not.toContain('retrying');
    const own = join(r.root, '.baton', 'runs', 'r1', 'own');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'agent.log'), `${JSON.stringify(retry)}\n`);
    appendLog(r, [started('own', {})]);
    const out = (await runBaton(['status', '--no-disk'], { cwd: r.root })).stdout;
    expect(out).toMatch(/^own\s+running \(retrying its API: attempt 2 of 10, HTTP 529\)/m);
    expect(out).toMatch(/^named\s+running\s/m);
  });
});

describe("adversarial: status names an agent's log where Baton writes it", () => {
  it("lists under agent logs the computed .baton/runs/<run>/<id>/agent.log, never the line's log_file", async () => {
    const r = repo();
    appendLog(r, [started('forged', { log_file: '/etc/passwd' }), started('bad-run', { run_id: '../..' })]);
    const out = (await runBaton(['status', '--no-disk'], { cwd: r.root })).stdout;
    expect(out).toContain(
      `agent logs:\n  forged: ${join(r.root, '.baton', 'runs', 'r1', 'forged', 'agent.log')}\n`,
    );
    expect(out).not.toContain('/etc/passwd');
    // A run id of another shape gives no path at all.
    expect(out).not.toMatch(/bad-run: /);
  });
});

describe('adversarial: status escapes what looks like a palette colour', () => {
  it('refuses a hook-recorded feature id holding an SGR sequence, and escapes one in the escapes list', async () => {
    const r = repo();
    const red = '\u001b[31m';
    appendLog(r, [
      { type: 'hook', feature_id: `h${red}`, event: 'stop' },
      {
        type: 'feature.escaped',
        feature_id: 'w',
        files: [`leak${red}.txt`],
        attribution: 'run-window',
      },
    ]);
    const { stdout: out, stderr } = await runBaton(['status', '--no-disk'], { cwd: r.root });
    expect(out + stderr).not.toContain('\u001b');
    // The hook's id is no feature id: its line is a problem line, its text escaped.
    expect(stderr).toMatch(/skipped: "feature_id" must be a feature id .*got "h\\u001b\[31m"/);
    expect(out).toContain('leak\\x1b[31m.txt');
  });
});
