/**
 * Two runs interleaved in the log: run `a`'s feature y still wrote its lines (its agent's exit, its
 * failure) after run `b` started y over and ran it to completion. `status` folded the log by place, so
 * a's late lines stood for b's y: the table showed y failed with a's exit code. A line stamped with an
 * earlier run's id is that run's, as the report cuts it (`RunClaims`), not the feature's now.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { at, interleavedRuns, toJsonl } from '../metrics/log-builder.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with contracts x, y and z, and the log path under its `.baton/`. */
function project(): { root: string; log: string } {
  const repo = makeRepo(contractFiles(['x', 'y', 'z'].map((id) => ({ id }))));
  repos.push(repo);
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  return { root: repo.root, log: join(repo.root, '.baton', 'log.jsonl') };
}

interface Row {
  feature_id: string;
  status: string;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
}

async function statusJson(root: string): Promise<{ run_id: string; rows: Row[] }> {
  const r = await runBaton(['status', '--json', '--no-disk'], { cwd: root });
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { run_id: string; features: Row[] };
  const rows = doc.features.map(({ feature_id, status, started_at, ended_at, exit_code }) => ({
    feature_id,
    status,
    started_at,
    ended_at,
    exit_code,
  }));
  return { run_id: doc.run_id, rows };
}

/** What status must show: b's y (started at 6, ended at 8, exit 0), a's x as a's, b's z. */
const expected: Row[] = [
  { feature_id: 'x', status: 'complete', started_at: at(0), ended_at: at(10), exit_code: 0 },
  { feature_id: 'y', status: 'complete', started_at: at(6), ended_at: at(8), exit_code: 0 },
  { feature_id: 'z', status: 'complete', started_at: at(5), ended_at: at(12), exit_code: 0 },
];

describe("baton status when an earlier run's lines land after the next run started", () => {
  it("shows the new run's features with the new run's states, not the old run's late lines", async () => {
    const { root, log } = project();
    writeFileSync(log, toJsonl(interleavedRuns({ relistY: true })));
    expect(await statusJson(root)).toEqual({ run_id: 'b', rows: expected });
    // Again from the snapshot in .baton/cache/ the first look wrote.
    expect(await statusJson(root)).toEqual({ run_id: 'b', rows: expected });
    const table = await runBaton(['status', '--no-disk'], { cwd: root });
    expect(table.stdout).toContain('run b (complete)');
    expect(table.stdout).toMatch(/\by\s+complete/);
  });

  it('reads the late lines appended after a snapshot the same way', async () => {
    const { root, log } = project();
    const events: LogEvent[] = interleavedRuns({ relistY: true });
    // Up to b's own y lines: a's late ones and both ends are appended after the snapshot.
    const cut = events.findIndex(
      (e) => e.type === 'feature.started' && e.feature_id === 'y' && e.run_id === 'a',
    );
    writeFileSync(log, toJsonl(events.slice(0, cut)));
    await statusJson(root);
    appendFileSync(log, toJsonl(events.slice(cut)));
    expect(await statusJson(root)).toEqual({ run_id: 'b', rows: expected });
  });
});
