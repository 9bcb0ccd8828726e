// A best-of-N attempt whose agent waits for input shows `needs-input` in every view, as `baton status`'s
// table shows it (`shownAttemptStatus`): `status --json`, the dashboard's cards and its detail panel.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FeatureView } from '../../src/dashboard/view.js';
import { bearer, send, setup } from '../dashboard/server-rig.js';
import { attemptStarted } from '../metrics/log-builder.js';
import { runBaton } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo } from '../rig/repo.js';

const F = 'feature-001-a';
// Now: a run started before this process did would be another process that had its pid.
const TS = new Date().toISOString();

/** A live run of two attempts, both started, the first one's agent asking for input. */
const lines: object[] = [
  {
    v: 1,
    ts: TS,
    type: 'run.started',
    run_id: 'r1',
    feature_ids: [F],
    concurrency: 2,
    base: 'HEAD',
    base_commit: '0'.repeat(40),
    mode: 'contract-first',
    pid: process.pid,
  },
  ...[1, 2].map((n) => ({ v: 1, ts: TS, ...attemptStarted('r1', F, n) })),
  {
    v: 1,
    ts: TS,
    type: 'hook',
    feature_id: `${F}.a1`,
    event: 'notification',
    status: 'needs-input',
    detail: 'Claude needs your permission to use Write',
  },
];

type Shown = Array<{ attempt: number; status: string }>;
const statuses = (attempts: Shown) => attempts.map((a) => [a.attempt, a.status]);
const EXPECTED = [
  [1, 'needs-input'],
  [2, 'running'],
];

describe('a best-of-N attempt waiting for input', () => {
  it('is needs-input in status --json, the dashboard state and the feature detail', async () => {
    const repo = makeRepo();
    onTestFinished(() => repo.cleanup());
    mkdirSync(join(repo.root, '.baton'));
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    holdRunLock(repo.root, 'r1');
    const status = await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root });
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { features: Array<{ feature_id: string; attempts: Shown }> };
    expect(statuses(json.features.find((f) => f.feature_id === F)?.attempts ?? [])).toEqual(EXPECTED);

    // The dashboard over the same log (`setup` holds its run lock, as `baton run` does).
    const { dash } = await setup(lines);
    const state = await send(dash.port, '/api/state', { headers: bearer(dash) });
    expect(state.status).toBe(200);
    const board = JSON.parse(state.body) as { features: FeatureView[] };
    const card = board.features.find((f) => f.feature_id === F);
    expect(statuses(Object.values(card?.attempts ?? {}))).toEqual(EXPECTED);
    // The card's mark tells it from a running one.
    const page = (await import(new URL('../../assets/dashboard/format.js', import.meta.url).href)) as {
      attemptMark(status: string): string;
    };
    expect(EXPECTED.map(([, s]) => page.attemptMark(String(s)))).toEqual(['?', '…']);

    const detail = await send(dash.port, `/api/features/${F}`, { headers: bearer(dash) });
    expect(detail.status).toBe(200);
    expect(statuses((JSON.parse(detail.body) as { attempts: Shown }).attempts)).toEqual(EXPECTED);
  });
});
