/**
 * `proveRunGroup` is the one proof before Baton signals a group it did not just start. The run id it
 * is asked about comes from the log, which anyone can write: the group must also write this
 * repository's log and be the unit claimed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proveRunGroup } from '../../src/guard/group-proof.js';
import { stopOrphans } from '../../src/guard/orphans.js';
import { groupAlive } from '../../src/process/supervise.js';

const RUN = '20260101T000000Z-0a0b0c';
const UNIT = 'feature-001-a';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** Two repositories' logs (real files), and a link to the first one's `.baton` folder. */
function logs(): { ours: string; theirs: string; linked: string } {
  const dir = mkdtempSync(join(tmpdir(), 'baton-proof-'));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const repo of ['r7', 'r5']) {
    mkdirSync(join(dir, repo, '.baton'), { recursive: true });
    writeFileSync(join(dir, repo, '.baton', 'log.jsonl'), '');
  }
  symlinkSync(join(dir, 'r7', '.baton'), join(dir, 'baton-link'));
  return {
    ours: join(dir, 'r7', '.baton', 'log.jsonl'),
    theirs: join(dir, 'r5', '.baton', 'log.jsonl'),
    linked: join(dir, 'baton-link', 'log.jsonl'),
  };
}

/** A live agent group of its own with the given environment; with `deaf`, it ignores SIGTERM. */
function agent(vars: Record<string, string>, deaf = false): number {
  const script = deaf ? "trap '' TERM; exec sleep 300" : 'exec sleep 300';
  const child = spawn('/bin/sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ...vars },
  });
  const pgid = child.pid as number;
  undo.push(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return pgid;
}

describe('proveRunGroup asks for the run, this repository’s log and the unit', () => {
  it('proves a group carrying all three, and refuses one missing any of them', async () => {
    const { ours, theirs, linked } = logs();
    const claim = (pgid: number) => ({ pgid, runId: RUN, logPath: ours, unitId: UNIT });
    const mine = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT, BATON_LOG: ours });
    const viaLink = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT, BATON_LOG: linked });
    const elsewhere = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT, BATON_LOG: theirs });
    const relative = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT, BATON_LOG: '.baton/log.jsonl' });
    const noLog = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT });
    const otherUnit = agent({
      BATON_RUN_ID: RUN,
      BATON_UNIT_ID: `${UNIT}.a2`,
      BATON_FEATURE_ID: UNIT,
      BATON_LOG: ours,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(proveRunGroup(claim(mine))).toMatchObject({ ok: true });
    // The same file named through a link is this repository's log.
    expect(proveRunGroup(claim(viaLink))).toMatchObject({ ok: true });
    for (const pgid of [elsewhere, relative, noLog, otherUnit]) {
      const proof = proveRunGroup(claim(pgid));
      expect(proof.ok).toBe(false);
      expect(proof.ok ? '' : proof.reason).toContain(`BATON_LOG=${ours}`);
    }
    expect(proveRunGroup({ ...claim(mine), runId: undefined })).toMatchObject({ ok: false });
  });

  it('stopOrphans proves a group again before SIGKILL: a group of another repository’s log is spared', async () => {
    const { ours, theirs } = logs();
    const pgid = agent({ BATON_RUN_ID: RUN, BATON_FEATURE_ID: UNIT, BATON_LOG: theirs }, true);
    await new Promise((r) => setTimeout(r, 100));
    await stopOrphans(
      [{ feature_id: UNIT, pgid }],
      (o) => ({ pgid: o.pgid, runId: RUN, logPath: ours, unitId: UNIT }),
      300,
    );
    expect(groupAlive(pgid)).toBe(true);
  });
});
