import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { orphanClaim, scanOrphans, stopOrphans } from '../../src/guard/orphans.js';
import { foldEvents } from '../../src/log/fold.js';
import { unrelatedSleeper } from './rig.js';

const RUN = '20260101T000000Z-0a0b0c';
const FEATURE = 'feature-001-a';
const LOG = '/nowhere/repo/.baton/log.jsonl';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The dead run's real agent: its own group, with the environment Baton gives an agent. */
function realAgent(): number {
  const child = spawn('sleep', ['300'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, BATON_RUN_ID: RUN, BATON_FEATURE_ID: FEATURE, BATON_LOG: LOG },
  });
  const pid = child.pid as number;
  cleanups.push(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return pid;
}

const started = (pgid: number) => ({
  v: 1,
  ts: new Date().toISOString(),
  run_id: RUN,
  type: 'feature.started',
  feature_id: FEATURE,
  status: 'running',
  agent: 'command',
  branch: `baton/${FEATURE}`,
  worktree: '/tmp/x',
  log_file: '/tmp/x',
  port: 1,
  pid: pgid,
  pgid,
});

describe('adversarial: a forged feature.started does not hide the real orphan', () => {
  it('--resume finds the dead run’s agent by its environment and stops it, and leaves the forged group alone', async () => {
    const agent = realAgent();
    const bystander = unrelatedSleeper();
    cleanups.push(() => bystander.kill());
    await new Promise((r) => setTimeout(r, 100));
    const state = foldEvents([
      {
        v: 1,
        ts: new Date().toISOString(),
        type: 'run.started',
        run_id: RUN,
        feature_ids: [FEATURE],
        concurrency: 1,
        base: 'main',
        base_commit: 'a'.repeat(40),
        mode: 'contract-first',
        pid: 1,
      },
      started(agent),
      // A line appended afterwards, naming an unrelated group for the same feature.
      started(bystander.pid),
    ] as never);
    const { orphans, refused } = scanOrphans(state, LOG);
    expect(orphans).toEqual([{ feature_id: FEATURE, pgid: agent, run_id: RUN }]);
    expect(refused.map((r) => [r.feature_id, r.pgid])).toEqual([[FEATURE, bystander.pid]]);
    await stopOrphans(orphans, orphanClaim(state, LOG), 500);
    expect(alive(agent)).toBe(false);
    expect(bystander.alive()).toBe(true);
  });
});
