/**
 * The dashboard as a real `baton dashboard` process against a forged log: it serves agent logs only
 * from the path Baton computes (never a `log_file` the log names, never through a symlink), and its
 * session stays on the dashboard (a cookie that is not the token, scoped to a random path; foreign
 * `Host` refused). Each case leaves the user's repository, the files beside it and a bystander alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { send as rawSend } from '../dashboard/server-rig.js';
import type { TempRepo } from '../rig/repo.js';
import { BATON_BIN, built, hostileRepo, watchWorld } from './rig.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A raw HTTP request with these headers (fetch cannot set `Host`). */
const send = (port: number, path: string, headers: Record<string, string> = {}) =>
  rawSend(port, path, { headers });

/** Starts `baton dashboard --json --port 0` in the repository; stopped (and awaited) after the test. */
async function dashboard(repo: TempRepo): Promise<{ port: number; token: string; base: string }> {
  const child = spawn(process.execPath, [BATON_BIN, 'dashboard', '--json', '--port', '0'], {
    cwd: repo.root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    return exited;
  });
  const first = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`dashboard exited ${code}`)));
  });
  const { url, token, port } = JSON.parse(first) as { url: string; token: string; port: number };
  return { port, token, base: new URL(url).pathname.replace(/\/$/, '') };
}

const RUN = '20260101T000000Z-abcdef';

describe.runIf(built)('adversarial: the dashboard', () => {
  it('serves an agent log only from the path Baton computes: not a forged log_file, not through a symlink', async () => {
    const repo = hostileRepo({ 'feature-001-a': 'true', 'feature-002-b': 'true' });
    cleanups.push(() => repo.cleanup());
    const world = watchWorld(repo);
    const canary = join(dirname(repo.root), 'canary.txt');
    const started = (feature_id: string) => ({
      v: 1,
      ts: '2026-01-01T00:00:00.000Z',
      run_id: RUN,
      type: 'feature.started',
      feature_id,
      status: 'running',
      agent: 'command',
      branch: `baton/${feature_id}`,
      worktree: dirname(repo.root),
      log_file: canary,
      port: 41000,
    });
    mkdirSync(join(repo.root, '.baton', 'runs', RUN, 'feature-002-b'), { recursive: true });
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      `${[started('feature-001-a'), started('feature-002-b')].map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
    // An agent replaced the log Baton would serve by a link to a file outside.
    symlinkSync(canary, join(repo.root, '.baton', 'runs', RUN, 'feature-002-b', 'agent.log'));
    const dash = await dashboard(repo);
    const auth = { Authorization: `Bearer ${dash.token}` };
    for (const id of ['feature-001-a', 'feature-002-b']) {
      const reply = await send(dash.port, `/api/features/${id}`, auth);
      expect(reply.status, id).toBe(200);
      expect(reply.body, id).not.toContain('nothing may touch this file');
      const log = (JSON.parse(reply.body) as { agent_log: { file: string; lines: string[] } }).agent_log;
      expect(log, id).toMatchObject({ file: `.baton/runs/${RUN}/${id}/agent.log`, lines: [] });
    }
    world.expectUntouched();
  });

  it('trades the URL token for a session that is not the token, scoped to a random path; a foreign Host is refused', async () => {
    const repo = hostileRepo({ 'feature-001-a': 'true' });
    cleanups.push(() => repo.cleanup());
    const world = watchWorld(repo);
    const dash = await dashboard(repo);
    expect(dash.base).toMatch(/^\/[A-Za-z0-9_-]{24}$/);
    const first = await send(dash.port, `${dash.base}/?token=${dash.token}`);
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).not.toContain(dash.token);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toContain(`Path=${dash.base}/`);
    const session = { Cookie: cookie.split(';')[0] as string };
    expect((await send(dash.port, `${dash.base}/api/state`, session)).status).toBe(200);
    // The session opens nothing outside its prefix; a page on another Host (DNS rebinding) gets nothing.
    expect((await send(dash.port, '/api/state', session)).status).toBe(401);
    for (const host of ['evil.example', `evil.example:${dash.port}`, '127.0.0.1:1']) {
      const reply = await send(dash.port, '/api/state', {
        Authorization: `Bearer ${dash.token}`,
        Host: host,
      });
      expect(reply.status, host).toBe(403);
    }
    world.expectUntouched();
  });
});
