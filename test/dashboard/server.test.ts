import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import type { Snapshot, Update } from '../../src/dashboard/view.js';
import { appendEvent } from '../../src/log/append.js';
import { readLog } from '../../src/log/read.js';
import { computeReport } from '../../src/metrics/report.js';
import { loadProject } from '../../src/project.js';
import { contractFiles, contractText } from '../rig/contracts.js';
import { deadRunLines, holdRunLock } from '../rig/dead-run.js';
import { makeRepo } from '../rig/repo.js';
import { bearer, cleanups, send, setup } from './server-rig.js';
import { SseClient } from './sse-client.js';

/**
 * An update that carries log events. The report's first run can send a metrics-only update (no
 * features, no events) at any moment, so a test waiting for what an append changed looks for this.
 */
/** A dashboard of the repository at `root` that loads its plan as `baton dashboard` does, closed after the test. */
async function dashboardWithPlan(root: string) {
  const dash = await startDashboard({
    root,
    logPath: join(root, '.baton', 'log.jsonl'),
    port: 0,
    pollMs: 50,
    loadProject: async () => {
      const p = await loadProject(root);
      return { plan: p.plan, diagnostics: p.warnings };
    },
  });
  cleanups.push(() => dash.close());
  return dash;
}

const carriesEvents = (e: { event: string; data: string }) =>
  e.event === 'update' && (JSON.parse(e.data) as Update).events.length > 0;

describe('dashboard server: access', () => {
  it('answers 401 to every request without the right token', async () => {
    const { dash } = await setup();
    for (const path of ['/', '/assets/app.js', '/api/state', '/api/events', '/api/features/x', '/nothing']) {
      expect((await send(dash.port, path)).status, path).toBe(401);
      expect((await send(dash.port, `${path}?token=wrong`)).status, path).toBe(401);
      expect((await send(dash.port, path, { headers: { Authorization: 'Bearer wrong' } })).status, path).toBe(
        401,
      );
      expect(
        (await send(dash.port, path, { headers: { Cookie: `baton_dashboard_${dash.port}=wrong` } })).status,
      ).toBe(401);
    }
    const denied = await send(dash.port, '/api/state');
    expect(denied.body).toContain('token');
    expect(denied.body).not.toContain('"features"');
  });

  it('trades the URL token for a session cookie scoped to a random path prefix, and strips it from the address', async () => {
    const { dash } = await setup();
    expect(dash.base).toMatch(/^\/[A-Za-z0-9_-]{24}$/);
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}${dash.base}/?token=${dash.token}`);
    expect(dash.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const first = await send(dash.port, `${dash.base}/?token=${dash.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`${dash.base}/`);
    const cookie = String(first.headers['set-cookie']);
    const session = new RegExp(`baton_dashboard_${dash.port}=([^;]+)`).exec(cookie)?.[1];
    expect(session).toBeDefined();
    // The cookie never holds the token: a server on another 127.0.0.1 port that receives it learns nothing.
    expect(cookie).not.toContain(dash.token);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toContain(`Path=${dash.base}/`);
    const withSession = { Cookie: `baton_dashboard_${dash.port}=${session}` };
    const page = await send(dash.port, `${dash.base}/`, { headers: withSession });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="assets/app.js">');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await send(dash.port, `${dash.base}/api/state`, { headers: withSession })).status).toBe(200);
    // The session opens only the prefix; outside it only the token does.
    expect((await send(dash.port, '/api/state', { headers: withSession })).status).toBe(401);
    const state = await send(dash.port, '/api/state', { headers: bearer(dash) });
    expect(state.status).toBe(200);
  });

  it('answers only to its own loopback Host (no DNS rebinding)', async () => {
    const { dash } = await setup();
    for (const host of [
      'evil.example',
      `evil.example:${dash.port}`,
      '127.0.0.1:1',
      `attacker.127.0.0.1.nip.io:${dash.port}`,
    ]) {
      const reply = await send(dash.port, '/api/state', { headers: { ...bearer(dash), Host: host } });
      expect(reply.status, host).toBe(403);
    }
    // A host name is case-insensitive: a client that writes it in capitals is answered, not refused.
    for (const host of [`127.0.0.1:${dash.port}`, `localhost:${dash.port}`, `LocalHost:${dash.port}`]) {
      expect(
        (await send(dash.port, '/api/state', { headers: { ...bearer(dash), Host: host } })).status,
        host,
      ).toBe(200);
    }
  });

  it('keeps the Host check on every loopback bind, an IPv4-mapped one too', async () => {
    const { dash } = await setup([], { host: '::ffff:127.0.0.1' });
    expect(dash.host).toBe('::ffff:127.0.0.1');
    const evil = await send(dash.port, '/api/state', {
      headers: { ...bearer(dash), Host: `evil.example:${dash.port}` },
    });
    expect(evil.status).toBe(403);
    // The printed address is its IPv4 form, which a browser sends back as written.
    expect(dash.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${dash.port}/`));
    const own = await send(dash.port, '/api/state', {
      headers: { ...bearer(dash), Host: `127.0.0.1:${dash.port}` },
    });
    expect(own.status).toBe(200);
  });

  it('answers a request it cannot read with 400 and the reason, never an empty body', async () => {
    const { dash } = await setup();
    const reply = await send(dash.port, '/api\\state', { headers: bearer(dash) });
    expect(reply.status).toBe(400);
    expect(reply.body).toBe('400: Backslash in request path\n');
  });

  it('serves only the files of the asset folder: traversal and unknown paths are 404', async () => {
    const { dash } = await setup();
    const headers = bearer(dash);
    const app = await send(dash.port, '/assets/app.js', { headers });
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toContain('text/javascript');
    const pkg = readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8');
    for (const path of [
      '/../package.json',
      '/assets/../package.json',
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/....//....//package.json',
      '/assets/',
      '/assets/./app.js/..',
      '/package.json',
      '/src/dashboard/server.ts',
      '/assets/%00app.js',
    ]) {
      const reply = await send(dash.port, path, { headers });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain(pkg.slice(0, 40));
    }
  });

  it('is read-only: no method but GET reaches anything, and the log is left as it was', async () => {
    const { dash, log } = await setup([{ feature_id: 'a', status: 'running' }]);
    const before = readFileSync(log, 'utf8');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/', '/api/state', '/api/events', '/api/features/a', '/assets/app.js']) {
        const reply = await send(dash.port, path, { method, headers: bearer(dash) });
        expect(reply.status, `${method} ${path}`).toBe(404);
      }
    }
    expect(readFileSync(log, 'utf8')).toBe(before);
  });
});

describe('dashboard server: state and stream', () => {
  it('sends a snapshot first, then only what an appended event changed', async () => {
    const { dash, log } = await setup([
      { feature_id: 'feature-001-a', status: 'running', ts: '2026-01-01T00:00:00.000Z' },
      { feature_id: 'feature-002-b', status: 'running', ts: '2026-01-01T00:00:01.000Z' },
    ]);
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    const res = await sse.response();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const first = await sse.next(() => true);
    expect(first.event).toBe('snapshot');
    const snap = JSON.parse(first.data) as Snapshot;
    expect(snap.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['feature-001-a', 'running'],
      ['feature-002-b', 'running'],
    ]);
    expect(snap.seq).toBe(2);

    appendEvent(log, { type: 'hook', feature_id: 'feature-002-b', event: 'stop', status: 'complete' });
    const next = await sse.next(carriesEvents);
    const update = JSON.parse(next.data) as Update;
    expect(update.features.map((f) => [f.feature_id, f.status])).toEqual([['feature-002-b', 'complete']]);
    expect(update.events.map((e) => e.seq)).toEqual([3]);
    expect(update.metrics.by_column).toMatchObject({ running: 1, complete: 1 });
    expect(update.run).toBeUndefined();
    expect(dash.clients()).toBe(1);
  });

  it('waits for a half-written line, and starts over with a snapshot when the log is replaced', async () => {
    const { dash, log } = await setup([{ feature_id: 'a', status: 'running' }]);
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    await sse.next((e) => e.event === 'snapshot');
    appendFileSync(log, '{"feature_id":"a","sta');
    await new Promise((r) => setTimeout(r, 300));
    expect(sse.received.filter(carriesEvents)).toEqual([]);
    appendFileSync(log, 'tus":"failed"}\n');
    const update = JSON.parse((await sse.next(carriesEvents)).data) as Update;
    expect(update.features[0]?.status).toBe('failed');

    const from = sse.received.length;
    writeFileSync(log, '{"feature_id":"z","status":"complete"}\n');
    const again = JSON.parse((await sse.next((e) => e.event === 'snapshot', { from })).data) as Snapshot;
    expect(again.features.map((f) => [f.feature_id, f.status])).toEqual([['z', 'complete']]);
  });

  it('sends a snapshot with the problems when lines it cannot read are appended, alone or beside events', async () => {
    const { dash, log } = await setup([{ feature_id: 'a', status: 'running' }]);
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    await sse.next((e) => e.event === 'snapshot');
    let from = sse.received.length;
    appendFileSync(log, 'torn line one\n');
    const alone = JSON.parse((await sse.next((e) => e.event === 'snapshot', { from })).data) as Snapshot;
    expect(alone.problems.map((p) => p.line)).toEqual([2]);
    from = sse.received.length;
    appendFileSync(log, 'torn line two\n{"feature_id":"a","status":"failed"}\n');
    const beside = JSON.parse((await sse.next((e) => e.event === 'snapshot', { from })).data) as Snapshot;
    expect(beside.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(beside.features[0]?.status).toBe('failed');
  });

  it('shows a log that appears after the dashboard started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-dash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, '.baton', 'log.jsonl');
    const dash = await startDashboard({
      root: dir,
      logPath: log,
      port: 0,
      loadProject: async () => ({ diagnostics: [] }),
      pollMs: 50,
    });
    cleanups.push(() => dash.close());
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    expect(JSON.parse((await sse.next((e) => e.event === 'snapshot')).data).features).toEqual([]);
    appendEvent(log, {
      type: 'run.started',
      run_id: 'r1',
      feature_ids: ['x'],
      concurrency: 1,
      base: 'main',
      base_commit: 'abc',
      mode: 'contract-first',
      pid: 1,
    });
    const update = JSON.parse((await sse.next(carriesEvents)).data) as Update;
    expect(update.run?.run_id).toBe('r1');
    expect(update.features.map((f) => [f.feature_id, f.status])).toEqual([['x', 'pending']]);
  });

  it("gives a feature's detail: its events and the tail of the agent log Baton wrote for its run", async () => {
    const { dash, dir } = await setup([
      {
        v: 1,
        ts: '2026-01-01T00:00:00.000Z',
        run_id: '20260101T000000Z-abcdef',
        type: 'feature.started',
        feature_id: 'feature-001-a',
        status: 'running',
        agent: 'claude',
        branch: 'baton/feature-001-a',
        worktree: '/tmp/wt',
        log_file: '/etc/passwd',
        port: 41000,
      },
      { feature_id: 'feature-002-b', status: 'running' },
    ]);
    const agentDir = join(dir, '.baton', 'runs', '20260101T000000Z-abcdef', 'feature-001-a');
    mkdirSync(agentDir, { recursive: true });
    writeFileSync(
      join(agentDir, 'agent.log'),
      `${Array.from({ length: 300 }, (_, i) => `line ${i + 1}`).join('\n')}\n\u001b[32mgreen\u001b[0m done\n`,
    );
    const reply = await send(dash.port, '/api/features/feature-001-a', { headers: bearer(dash) });
    expect(reply.status).toBe(200);
    const detail = JSON.parse(reply.body);
    expect(detail.feature.agent).toBe('claude');
    expect(detail.events.map((e: { event: { type: string } }) => e.event.type)).toEqual(['feature.started']);
    expect(detail.agent_log.lines).toHaveLength(200);
    expect(detail.agent_log.lines.at(-1)).toBe('green done');
    expect(detail.agent_log.lines[0]).toBe('line 102');
    expect(detail.agent_log.truncated).toBe(true);
    expect(detail.contract).toBeNull();

    const other = JSON.parse(
      (await send(dash.port, '/api/features/feature-002-b', { headers: bearer(dash) })).body,
    );
    expect(other.agent_log).toBeNull();
    for (const id of ['nope', 'constructor', '__proto__', 'toString']) {
      expect((await send(dash.port, `/api/features/${id}`, { headers: bearer(dash) })).status, id).toBe(404);
    }
    const outside = await send(dash.port, '/api/features/..%2f..%2fetc%2fpasswd', { headers: bearer(dash) });
    expect(outside.status).toBe(404);
  });

  it('reads no agent log through a symlinked folder that leads out of .baton/runs', async () => {
    const run = '20260101T000000Z-abcdef';
    const { dash, dir } = await setup([
      {
        v: 1,
        ts: '2026-01-01T00:00:00.000Z',
        run_id: run,
        type: 'feature.started',
        feature_id: 'feature-001-a',
        status: 'running',
        agent: 'claude',
        branch: 'baton/feature-001-a',
        worktree: '/tmp/wt',
        log_file: 'agent.log',
        port: 41000,
      },
    ]);
    // The run's folder is a link to a folder elsewhere, holding a file at the place an agent log would be.
    const elsewhere = mkdtempSync(join(tmpdir(), 'baton-elsewhere-'));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    mkdirSync(join(elsewhere, 'feature-001-a'));
    writeFileSync(join(elsewhere, 'feature-001-a', 'agent.log'), 'secret from outside\n');
    mkdirSync(join(dir, '.baton', 'runs'));
    symlinkSync(elsewhere, join(dir, '.baton', 'runs', run));
    const detail = JSON.parse(
      (await send(dash.port, '/api/features/feature-001-a', { headers: bearer(dash) })).body,
    );
    expect(detail.agent_log).toMatchObject({ lines: [], missing: true });
    expect(JSON.stringify(detail)).not.toContain('secret from outside');
  });

  it('reads agent logs when .baton is a symlink to another disk, and still none through a link planted in runs', async () => {
    const started = (feature: string, run: string) => ({
      v: 1,
      ts: '2026-01-01T00:00:00.000Z',
      run_id: run,
      type: 'feature.started',
      feature_id: feature,
      status: 'running',
      agent: 'claude',
      branch: `baton/${feature}`,
      worktree: '/tmp/wt',
      log_file: 'agent.log',
      port: 41000,
    });
    const [own, planted] = ['20260101T000000Z-abcdef', '20260101T000000Z-fedcba'];
    const dir = mkdtempSync(join(tmpdir(), 'baton-dash-'));
    const store = mkdtempSync(join(tmpdir(), 'baton-store-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'baton-elsewhere-'));
    cleanups.push(() => {
      for (const d of [dir, store, elsewhere]) rmSync(d, { recursive: true, force: true });
    });
    // `.baton` lives elsewhere (a link the user made to another disk), as `baton run` allows.
    symlinkSync(store, join(dir, '.baton'));
    const log = join(dir, '.baton', 'log.jsonl');
    writeFileSync(
      log,
      `${JSON.stringify(started('feature-001-a', own))}\n${JSON.stringify(started('feature-002-b', planted))}\n`,
    );
    mkdirSync(join(store, 'runs', own, 'feature-001-a'), { recursive: true });
    writeFileSync(join(store, 'runs', own, 'feature-001-a', 'agent.log'), 'the agent worked\n');
    // A run folder inside runs that is a link leading out of it.
    mkdirSync(join(elsewhere, 'feature-002-b'));
    writeFileSync(join(elsewhere, 'feature-002-b', 'agent.log'), 'secret from outside\n');
    symlinkSync(elsewhere, join(store, 'runs', planted));
    const dash = await startDashboard({
      root: dir,
      logPath: log,
      port: 0,
      loadProject: async () => ({ diagnostics: [] }),
      pollMs: 50,
    });
    cleanups.push(() => dash.close());
    const detail = async (id: string) =>
      JSON.parse((await send(dash.port, `/api/features/${id}`, { headers: bearer(dash) })).body);
    expect((await detail('feature-001-a')).agent_log).toMatchObject({
      file: join('.baton', 'runs', own, 'feature-001-a', 'agent.log'),
      lines: ['the agent worked'],
    });
    const refused = await detail('feature-002-b');
    expect(refused.agent_log).toMatchObject({ lines: [], missing: true });
    expect(JSON.stringify(refused)).not.toContain('secret from outside');
  });

  it('ends open streams and stops listening on close', async () => {
    const { dash } = await setup();
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    await sse.next((e) => e.event === 'snapshot');
    const ended = new Promise<void>((resolve) => void sse.response().then((res) => res.on('close', resolve)));
    await dash.close();
    await ended;
    await expect(send(dash.port, '/', { headers: bearer(dash) })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('dashboard server: the plan', () => {
  it('reloads the contracts when a new run starts, and tells every client', async () => {
    const repo = makeRepo({ 'README.md': '# x\n', ...contractFiles([{ id: 'feature-001-a' }]) });
    cleanups.push(() => repo.cleanup());
    const log = join(repo.root, '.baton', 'log.jsonl');
    const dash = await dashboardWithPlan(repo.root);
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    const first = JSON.parse((await sse.next((e) => e.event === 'snapshot')).data) as Snapshot;
    expect(first.project?.features.map((f) => f.id)).toEqual(['feature-001-a']);

    repo.commit('second contract', contractFiles([{ id: 'feature-002-b', depends: ['feature-001-a'] }]));
    const from = sse.received.length;
    // A live run: this process, named by the run lock as `baton run` is (a bare pid in the log is no proof).
    holdRunLock(repo.root, 'r2');
    appendEvent(log, {
      type: 'run.started',
      run_id: 'r2',
      feature_ids: ['feature-001-a', 'feature-002-b'],
      concurrency: 2,
      base: 'main',
      base_commit: repo.git('rev-parse', 'HEAD'),
      mode: 'contract-first',
      pid: process.pid,
    });
    const again = JSON.parse((await sse.next((e) => e.event === 'snapshot', { from })).data) as Snapshot;
    expect(again.project?.edges).toEqual([{ from: 'feature-001-a', to: 'feature-002-b' }]);
    expect(again.run.run_id).toBe('r2');

    const detail = JSON.parse(
      (await send(dash.port, '/api/features/feature-002-b', { headers: bearer(dash) })).body,
    );
    expect(detail.feature.status).toBe('pending');
    expect(detail.contract.file).toBe('specs/feature-002-b/contract.md');
    expect(detail.contract.text).toContain('feature_id: feature-002-b');
  });
});

describe('dashboard server: the contract in the detail', () => {
  it('shows a symlinked contract.md, read as the loader reads it (the link followed, a BOM dropped)', async () => {
    const repo = makeRepo({ 'README.md': '# x\n' });
    cleanups.push(() => repo.cleanup());
    // The contract lives elsewhere in the repository (a link inside it is read; one out of it is refused),
    // with a byte order mark an editor wrote.
    const kept = join(repo.root, 'shared');
    mkdirSync(kept);
    writeFileSync(join(kept, 'contract.md'), `\uFEFF${contractText({ id: 'feature-001-a' })}`);
    mkdirSync(join(repo.root, 'specs', 'feature-001-a'), { recursive: true });
    symlinkSync(join(kept, 'contract.md'), join(repo.root, 'specs', 'feature-001-a', 'contract.md'));
    mkdirSync(join(repo.root, 'specs', 'feature-002-b'));
    writeFileSync(
      join(repo.root, 'specs', 'feature-002-b', 'contract.md'),
      `\uFEFF${contractText({ id: 'feature-002-b' })}`,
    );
    const dash = await dashboardWithPlan(repo.root);
    for (const id of ['feature-001-a', 'feature-002-b']) {
      const detail = JSON.parse(
        (await send(dash.port, `/api/features/${id}`, { headers: bearer(dash) })).body,
      );
      expect(detail.feature.status, id).toBe('pending');
      expect(detail.contract, id).toEqual({
        file: `specs/${id}/contract.md`,
        text: contractText({ id }),
        truncated: false,
      });
    }
  });

  it('shows no contract that became a link out of the repository after the plan loaded, never the file there', async () => {
    const repo = makeRepo({ 'README.md': '# x\n', ...contractFiles([{ id: 'feature-001-a' }]) });
    cleanups.push(() => repo.cleanup());
    const dash = await dashboardWithPlan(repo.root);
    const detail = async () =>
      JSON.parse((await send(dash.port, '/api/features/feature-001-a', { headers: bearer(dash) })).body);
    expect((await detail()).contract.file).toBe('specs/feature-001-a/contract.md');
    // The plan still names the contract (it reloads when a run starts); what is there now leads outside.
    const secret = join(repo.root, '..', 'private.md');
    writeFileSync(secret, 'PRIVATE TEXT\n');
    const file = join(repo.root, 'specs', 'feature-001-a', 'contract.md');
    rmSync(file);
    symlinkSync(secret, file);
    const after = await detail();
    expect(after.feature.status).toBe('pending');
    expect(after.contract).toBeNull();
    expect(JSON.stringify(after)).not.toContain('PRIVATE');
  });
});

describe('dashboard server: headline metrics', () => {
  it("shows the report's speedup, conflicts and integration ratio once it can compute them", async () => {
    const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString();
    const started = (id: string, min: number) => ({
      v: 1,
      ts: at(min),
      type: 'feature.started',
      feature_id: id,
      status: 'running',
      agent: 'claude',
      branch: `baton/${id}`,
      worktree: `/w/${id}`,
      log_file: `/w/${id}.log`,
      port: 41000,
    });
    const exited = (id: string, min: number, minutes: number) => ({
      v: 1,
      ts: at(min),
      type: 'agent.exited',
      feature_id: id,
      exit_code: 0,
      signal: null,
      duration_ms: minutes * 60_000,
      files: [`src/${id}.ts`, 'src/db.ts'],
    });
    const lines = [
      {
        v: 1,
        ts: at(0),
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['a', 'b'],
        concurrency: 2,
        base: 'main',
        base_commit: 'x',
        mode: 'contract-first',
        pid: 1,
      },
      started('a', 0),
      started('b', 0),
      exited('a', 30, 30),
      exited('b', 40, 40),
      { v: 1, ts: at(30), type: 'feature.ended', feature_id: 'a', status: 'complete' },
      { v: 1, ts: at(40), type: 'feature.ended', feature_id: 'b', status: 'complete' },
      { v: 1, ts: at(40), type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 40 * 60_000 },
      {
        v: 1,
        ts: at(41),
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/i',
        order: ['a', 'b'],
      },
      { v: 1, ts: at(42), type: 'merge.clean', feature_id: 'a', commit: 'c1', duration_ms: 60_000 },
      {
        v: 1,
        ts: at(47),
        type: 'merge.conflict',
        feature_id: 'b',
        files: ['src/db.ts'],
        with: ['a'],
        duration_ms: 5,
      },
      { v: 1, ts: at(49), type: 'integration.ended', outcome: 'conflict', duration_ms: 8 * 60_000 },
    ];
    const { dash, log } = await setup(lines);
    const expected = computeReport({ events: readLog(log).events });
    expect(expected.headline.speedup).not.toBeNull();
    expect(expected.integration.ratio).not.toBeNull();

    let metrics: Snapshot['metrics'] | undefined;
    await expect
      .poll(
        async () => {
          const reply = await send(dash.port, '/api/state', { headers: bearer(dash) });
          metrics = (JSON.parse(reply.body) as Snapshot).metrics;
          return metrics.report_seq;
        },
        { timeout: 5000 },
      )
      .toBe(lines.length);
    // The report's headline, the same number `baton report` and `baton demo` lead with.
    expect(metrics?.speedup).toBe(expected.headline.speedup);
    expect(metrics).toMatchObject({
      speedup_scope: 'implementation',
      speedup_basis: 'measured',
      headline_text: expected.headline.text,
    });
    expect(metrics?.integration_ratio).toBe(expected.integration.ratio);
    expect(metrics?.conflicts).toBe(1);
    expect(metrics?.merged).toBe(1);
    expect(metrics?.by_column.complete).toBe(2);
  });

  it('leaves the speedup unknown while the run has not ended', async () => {
    // A live run: its orchestrator is this test process, which started before the run's timestamp (pid 1
    // with a fixed date would read as dead wherever the machine booted after that date).
    const now = new Date().toISOString();
    const { dash } = await setup([
      {
        v: 1,
        ts: now,
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['a'],
        concurrency: 1,
        base: 'main',
        base_commit: 'x',
        mode: 'contract-first',
        pid: process.pid,
      },
      { feature_id: 'a', status: 'running', ts: now },
    ]);
    await expect
      .poll(async () => {
        const reply = await send(dash.port, '/api/state', { headers: bearer(dash) });
        return (JSON.parse(reply.body) as Snapshot).metrics.report_seq;
      })
      .toBe(2);
    const metrics = (
      JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body) as Snapshot
    ).metrics;
    expect(metrics.speedup).toBeUndefined();
    expect(metrics.by_column.running).toBe(1);
  });
});

describe('dashboard server: a run whose orchestrator died', () => {
  it('says so in the first state it serves, before it has looked at the log again', async () => {
    const [started] = deadRunLines('feature-001-a');
    const feature = {
      v: 1,
      ts: new Date().toISOString(),
      run_id: 'r-dead',
      type: 'feature.started',
      feature_id: 'feature-001-a',
      status: 'running',
      agent: 'claude',
      branch: 'baton/feature-001-a',
      worktree: '/w/feature-001-a',
      log_file: '/w/feature-001-a.log',
      port: 41000,
    };
    // No liveness tick within the test: what is served first is what the state opened with.
    const { dash } = await setup([started ?? {}, feature], { pollMs: 3_600_000 });
    const state = JSON.parse(
      (await send(dash.port, '/api/state', { headers: bearer(dash) })).body,
    ) as Snapshot;
    expect(state.features.map((f) => [f.feature_id, f.status])).toEqual([['feature-001-a', 'interrupted']]);
    expect(state.run.run_outcome).toBe('interrupted');
    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    cleanups.push(() => sse.close());
    const first = JSON.parse((await sse.next((e) => e.event === 'snapshot')).data) as Snapshot;
    expect(first.features.map((f) => f.status)).toEqual(['interrupted']);
  });

  it('shows the run and its unfinished features interrupted, not running forever', async () => {
    const { dash } = await setup(deadRunLines('a'));
    await expect
      .poll(async () => {
        const reply = await send(dash.port, '/api/state', { headers: bearer(dash) });
        return (JSON.parse(reply.body) as Snapshot).features.find((f) => f.feature_id === 'a')?.status;
      })
      .toBe('interrupted');
  });
});
