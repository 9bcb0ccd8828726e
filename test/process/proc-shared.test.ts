/**
 * Daemon sweeps of agents ending close together share one /proc listing, and each still gets a
 * listing begun after its own agent ended (so it sees what that agent left).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listProcessesShared, listProcessesSince, shareWindowMs } from '../../src/guard/proc.js';

describe('listProcessesShared', () => {
  it('gives callers asking within the window one listing, begun after each of them asked', async () => {
    // A window long enough for the second caller to arrive within it even on a loaded machine.
    const first = listProcessesShared(Date.now(), 1500);
    // A process that starts after the first caller asked, before the second does.
    const child = spawn('sleep', ['5']);
    await new Promise((r) => child.once('spawn', r));
    const second = listProcessesShared(Date.now(), 1500);
    const [a, b] = await Promise.all([first, second]);
    child.kill();
    expect(b).toBe(a);
    expect(a.some((p) => p.pid === child.pid)).toBe(true);
  });

  it('starts a new listing for a caller that asks after the shared one began', async () => {
    const a = await listProcessesShared(Date.now(), 10);
    await new Promise((r) => setTimeout(r, 5));
    const child = spawn('sleep', ['5']);
    await new Promise((r) => child.once('spawn', r));
    const b = await listProcessesShared(Date.now(), 10);
    child.kill();
    expect(b).not.toBe(a);
    expect(b.some((p) => p.pid === child.pid)).toBe(true);
  });

  it('lists at once without a window', async () => {
    const since = Date.now();
    const t = performance.now();
    const all = await listProcessesShared(since, 0);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(all.some((p) => p.pid === process.pid)).toBe(true);
  });

  it('lets a caller wait to share no longer than one listing takes, and never past the cap', () => {
    // A fixed 20 ms window put 20 ms on every agent's way to its commit where a listing takes under 1 ms.
    expect(shareWindowMs(20, 0.4)).toBe(1);
    expect(shareWindowMs(20, 7.2)).toBe(8);
    expect(shareWindowMs(20, 300)).toBe(20);
    expect(shareWindowMs(20, 0)).toBe(0);
    expect(shareWindowMs(0, 5)).toBe(0);
  });

  it('measures what a full listing costs, for the window of the next', () => {
    listProcessesSince(Date.now() + 1000);
    const window = shareWindowMs(1_000_000);
    expect(window).toBeGreaterThan(0);
    expect(window).toBeLessThan(1_000_000);
  });
});
