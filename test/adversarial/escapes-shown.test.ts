/**
 * An agent that writes into the main checkout changed the user's files behind their back: after the
 * run, every place the user looks carries it — `status` (table and `--json`), `report` (markdown,
 * HTML, JSON) and the dashboard's state — per feature when one feature's agents explain it, as a
 * run-level line when none does. Only `baton run`'s live output said so before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import type { Snapshot } from '../../src/dashboard/view.js';
import { escapesByFeature, UNATTRIBUTED } from '../../src/log/escapes.js';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import type { Report } from '../../src/metrics/types.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, watchWorld } from './rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A repository whose features' agents are the given commands, with a tracked file of the user's. */
function repoWith(agents: Record<string, string>): TempRepo {
  const repo = makeRepo({
    'base.txt': 'base\n',
    ...contractFiles(Object.entries(agents).map(([id, command]) => ({ id, agent: { command } }))),
  });
  cleanups.push(() => repo.cleanup());
  return repo;
}

/** Writes its own file, then appends to the user's tracked base.txt and adds leak.txt beside it. */
const LEAKER =
  'mkdir -p src/w && echo w > src/w/w.txt && echo leaked >> "$BATON_WORKTREE/../../repo/base.txt" && ' +
  'echo new > "$BATON_WORKTREE/../../repo/leak.txt"';

interface StatusJson {
  features: Array<{ feature_id: string; status: string; escaped: string[] }>;
  escaped_unknown: string[];
}

/** What each output says after the run: status, report and the dashboard's `/api/state`. */
async function outputs(repo: TempRepo) {
  const cwd = repo.root;
  const statusJson = JSON.parse((await runBaton(['status', '--json'], { cwd })).stdout) as StatusJson;
  const statusText = (await runBaton(['status', '--no-disk'], { cwd })).stdout;
  const reportJson = JSON.parse((await runBaton(['report', '--json'], { cwd })).stdout) as Report;
  const markdown = (await runBaton(['report'], { cwd })).stdout;
  const html = (await runBaton(['report', '--format', 'html'], { cwd })).stdout;
  const dash: Dashboard = await startDashboard({
    root: cwd,
    logPath: join(cwd, '.baton', 'log.jsonl'),
    port: 0,
    token: 'test-token',
    loadProject: async () => ({ diagnostics: [] }),
  });
  cleanups.push(() => dash.close());
  const reply = await fetch(`http://127.0.0.1:${dash.port}/api/state`, {
    headers: { Authorization: 'Bearer test-token' },
  });
  const state = (await reply.json()) as Snapshot;
  return { statusJson, statusText, reportJson, markdown, html, state };
}

const escapedOf = (list: Array<{ feature_id: string; escaped: string[] }>, id: string) =>
  list.find((f) => f.feature_id === id)?.escaped;

function escapes(repo: TempRepo): Array<Extract<BatonEvent, { type: 'feature.escaped' }>> {
  return events(repo).filter(
    (e): e is Extract<BatonEvent, { type: 'feature.escaped' }> => e.type === 'feature.escaped',
  );
}

describe('a write into the main checkout, shown everywhere the user looks', () => {
  it('one feature: filed under it in status, report and dashboard, and left in the checkout', async () => {
    const repo = repoWith({ w: LEAKER });
    const world = watchWorld(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(0);
    // One agent ran: the change is its feature's, never run-level; worded as what is known (it
    // changed while w ran: the user working in the checkout meanwhile would look the same).
    expect(escapes(repo)).toMatchObject([
      { feature_id: 'w', files: ['base.txt', 'leak.txt'], kind: 'checkout', attribution: 'run-window' },
    ]);
    expect(run.stdout).toContain('w: the main checkout changed while it ran: base.txt, leak.txt');
    expect(run.stdout).not.toContain(UNATTRIBUTED);

    const out = await outputs(repo);
    const line = 'changed outside the worktrees while w ran: base.txt, leak.txt';
    expect(escapedOf(out.statusJson.features, 'w')).toEqual(['base.txt', 'leak.txt']);
    expect(out.statusJson.escaped_unknown).toEqual([]);
    expect(escapedOf(out.reportJson.features, 'w')).toEqual(['base.txt', 'leak.txt']);
    expect(out.reportJson.escaped_unknown).toEqual([]);
    expect(out.markdown).toContain(
      '## Changes outside the worktrees\n\n- changed outside the worktrees while `w` ran: `base.txt`, `leak.txt`\n',
    );
    expect(out.html).toContain('<h2>Changes outside the worktrees</h2>');
    expect(out.html).toContain(
      '<li>changed outside the worktrees while <code>w</code> ran: <code>base.txt</code>, <code>leak.txt</code></li>',
    );
    expect(escapedOf(out.state.features, 'w')).toEqual(['base.txt', 'leak.txt']);
    expect(out.state.run.escapes).toEqual([line]);
    expect(out.statusText).toContain(`escapes:\n  ${line}\n`);
    // Reported, never reverted: the user's file still holds the agent's line.
    expect(readFileSync(join(repo.root, 'base.txt'), 'utf8')).toBe('base\nleaked\n');
    expect(repo.git('status', '--porcelain', '--', '.', ':!.baton')).toBe('M base.txt\n?? leak.txt');
    world.expectUntouched({ status: true });
  });

  it('two agents running: kept apart from both features, as one run-level line everywhere', async () => {
    const repo = repoWith({ w: LEAKER, idle: 'mkdir -p src/idle && echo i > src/idle/i.txt && sleep 2' });
    const world = watchWorld(repo);
    await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(escapes(repo)).toMatchObject([{ files: ['base.txt', 'leak.txt'], attribution: 'unknown' }]);

    const out = await outputs(repo);
    const line = `changed outside the worktrees while ${UNATTRIBUTED} ran: base.txt, leak.txt`;
    expect(out.statusJson.escaped_unknown).toEqual(['base.txt', 'leak.txt']);
    expect(out.statusJson.features.flatMap((f) => f.escaped)).toEqual([]);
    expect(out.reportJson.escaped_unknown).toEqual(['base.txt', 'leak.txt']);
    expect(out.reportJson.features.flatMap((f) => f.escaped)).toEqual([]);
    expect(out.markdown).toContain(
      `- changed outside the worktrees while ${UNATTRIBUTED} ran: \`base.txt\`, \`leak.txt\`\n`,
    );
    expect(out.html).toContain(
      `<li>changed outside the worktrees while ${UNATTRIBUTED} ran: <code>base.txt</code>, <code>leak.txt</code></li>`,
    );
    expect(out.state.run.escaped_unknown).toEqual(['base.txt', 'leak.txt']);
    expect(out.state.run.escapes).toEqual([line]);
    expect(out.statusText).toContain(`escapes:\n  ${line}\n`);
    world.expectUntouched({ status: true });
  });

  it('best-of-N: two attempts of one feature running are that feature, never run-level', async () => {
    const repo = repoWith({ w: LEAKER });
    const world = watchWorld(repo);
    const run = await runBaton(['run', '--attempts', '2'], { cwd: repo.root });
    expect(run.code).toBe(0);
    expect(escapes(repo)).toMatchObject([
      { feature_id: 'w', files: ['base.txt', 'leak.txt'], attribution: 'run-window' },
    ]);
    expect(run.stdout).not.toContain(UNATTRIBUTED);
    const out = await outputs(repo);
    expect(escapedOf(out.statusJson.features, 'w')).toEqual(['base.txt', 'leak.txt']);
    expect(out.statusJson.escaped_unknown).toEqual([]);
    expect(escapedOf(out.reportJson.features, 'w')).toEqual(['base.txt', 'leak.txt']);
    world.expectUntouched({ status: true });
  });
});

describe('the per-feature view (pure)', () => {
  it("files an attempt's escapes under its feature, marked with the attempt", () => {
    const state = foldEvents([
      { type: 'feature.escaped', feature_id: 'a', files: ['x.txt'], attribution: 'run-window' },
      { type: 'feature.escaped', feature_id: 'a.a2', files: ['y.txt'], attribution: 'run-window' },
      { type: 'feature.escaped', feature_id: 'b', files: ['z.txt'], attribution: 'unknown' },
    ] as BatonEvent[]);
    expect([...escapesByFeature(state)]).toEqual([['a', ['x.txt', 'y.txt (attempt 2)']]]);
    expect(state.escaped_unknown).toEqual(['z.txt']);
  });

  it("starts a fresh run without the escapes of the one before, its best-of-N attempts' too; a resumed run keeps them", () => {
    const started = (resume: boolean) =>
      ({
        type: 'run.started',
        v: 1,
        ts: '2026-01-01T00:00:00Z',
        run_id: resume ? 'r2' : 'r3',
        feature_ids: ['a'],
        concurrency: 1,
        base: 'HEAD',
        base_commit: 'c0ffee',
        mode: 'parallel',
        pid: 1,
        ...(resume ? { resume: true } : {}),
      }) as unknown as BatonEvent;
    const first = [
      { type: 'feature.escaped', feature_id: 'a', files: ['x.txt'], attribution: 'run-window' },
      { type: 'feature.escaped', feature_id: 'a.a2', files: ['y.txt'], attribution: 'run-window' },
      { type: 'hook', feature_id: 'a.a2', event: 'notification', status: 'needs-input' },
      { type: 'feature.escaped', feature_id: 'b', files: ['z.txt'], attribution: 'unknown' },
    ] as BatonEvent[];
    const resumed = foldEvents([...first, started(true)]);
    expect(resumed.features.a?.escaped).toEqual(['x.txt']);
    expect([...escapesByFeature(resumed)]).toEqual([['a', ['x.txt', 'y.txt (attempt 2)']]]);
    expect(resumed.escaped_unknown).toEqual(['z.txt']);
    const fresh = foldEvents([...first, started(false)]);
    expect(fresh.features.a?.escaped).toEqual([]);
    // The earlier run's best-of-N attempt is started over too: neither its escapes nor its request stand.
    expect([...escapesByFeature(fresh)]).toEqual([]);
    expect(fresh.attempt_units?.['a.a2']?.status).toBe('pending');
    expect(fresh.escaped_unknown).toBeUndefined();
  });
});
