// @module-tag slow
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumForFile } from '../rig/browser.js';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { ATTEMPTS, bestOfThreeRepo, FEATURE, REASONS } from './attempts-rig.js';

const browser = chromiumForFile();

const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-output');

let repo: TempRepo;
let server: ChildProcess;
let url: string;

/** Starts `baton dashboard` as a real child process and resolves with the URL it prints. */
function startDashboardProcess(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BATON_BIN, 'dashboard', '--port', '0', '--json'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c) => {
      err += c;
    });
    child.stdout?.on('data', (c) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on('exit', (code) =>
      reject(new Error(`baton dashboard exited ${code} before printing its URL:\n${err}`)),
    );
  });
}

beforeAll(async () => {
  repo = bestOfThreeRepo();
  ({ child: server, url } = await startDashboardProcess(repo.root));
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  repo?.cleanup();
});

describe('best-of-N in the dashboard, in a browser', () => {
  it('shows the attempts under the card and side by side in the detail: three columns, the winner marked, each with its diff', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });

    // One card: the attempts' own events (`<feature>.a<n>`) make no cards of their own.
    expect(await page.locator('li[data-feature]').count()).toBe(1);
    const card = page.locator(`[data-column="complete"] li[data-feature="${FEATURE}"]`);
    expect(await card.count()).toBe(1);
    expect(await card.locator('.attempt-mark').allTextContents()).toEqual(['a1 ✗', 'a2 ✓', 'a3 ✓★']);
    expect(await card.locator('.attempt-mark[data-winner="true"]').getAttribute('data-attempt')).toBe('3');

    // The event feed words the attempt events.
    const feed = (await page.locator('#events').textContent()) ?? '';
    expect(feed).toContain(`attempt 3 wins (best): ${REASONS[0]}`);
    expect(feed).toContain('attempt 1 ended failed-checks: checks 2/3, 1 line changed');
    expect(feed).toContain(`attempt 2 started: codex on baton/${FEATURE}.a2`);

    await card.locator('article').click();
    const detail = page.locator('#detail');
    await detail.locator('.attempts .attempt').first().waitFor({ timeout: 10_000 });
    const columns = detail.locator('.attempts > .attempt');
    expect(await columns.count()).toBe(3);
    // Side by side: three columns on one row, left to right in attempt order.
    const boxes = await columns.evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { top: Math.round(r.top), left: r.left, width: r.width };
      }),
    );
    expect(new Set(boxes.map((b) => b.top)).size).toBe(1);
    expect(boxes.map((b) => b.left)).toEqual([...boxes.map((b) => b.left)].sort((a, b) => a - b));
    for (const b of boxes) expect(b.width).toBeGreaterThan(200);

    const winner = detail.locator('.attempt[data-winner="true"]');
    expect(await winner.count()).toBe(1);
    expect(await winner.getAttribute('data-attempt')).toBe('3');
    expect(await winner.locator('.winner-badge').textContent()).toBe('★ winner');
    expect(await winner.locator('.why').textContent()).toContain(REASONS[0]);
    expect(await winner.locator('.why').textContent()).toContain(REASONS[1]);

    for (const a of ATTEMPTS) {
      const col = detail.locator(`.attempt[data-attempt="${a.n}"]`);
      const facts = (await col.locator('dl.facts').textContent()) ?? '';
      expect(facts).toContain(a.agent);
      expect(facts).toContain(a.status);
      expect(facts).toContain(`${a.passed}/3 passed`);
      expect(facts).toContain(`latency p95${a.p95} ms`);
      expect(facts).toContain(`lines changed1`);
      expect(facts).toContain(`$${(0.1 * a.n).toFixed(2)}`);
      expect(facts).toContain(`baton/${FEATURE}.a${a.n}`);
      // The diff Baton computed from the attempt's branch: its stat and the added line.
      expect(await col.locator('pre.diff-stat').textContent()).toMatch(/src\/search\/index\.js \| 1 \+/);
      const added = await col.locator('pre.diff .add').allTextContents();
      expect(added.map((l) => l.trim())).toContain(
        `+${a.content.trim().replaceAll(String.fromCharCode(27), '\\x1b')}`,
      );
      expect(await col.locator('pre.diff').isVisible()).toBe(true);
    }
    // The loser that failed a check says why it ended.
    expect(await detail.locator('.attempt[data-attempt="1"] .why').textContent()).toContain(
      'latency: p95 41 ms over 30 ms',
    );
    // The escape code is shown as text: no raw ESC reached the page.
    const patch1 = (await detail.locator('.attempt[data-attempt="1"] pre.diff').textContent()) ?? '';
    expect(patch1).toContain('\\x1b[31mred');
    expect(patch1).not.toContain('\u001b');

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const shot = join(SCREENSHOT_DIR, 'dashboard-attempts.png');
    await page.screenshot({ path: shot });
    expect(existsSync(shot)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('updates the attempt marks as attempts end, pushed down the open stream, with no card per attempt', async () => {
    const live = bestOfThreeRepo({ running: true });
    const started = await startDashboardProcess(live.root);
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.goto(started.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const card = page.locator(`li[data-feature="${FEATURE}"]`);
      expect(await card.locator('.attempt-mark').allTextContents()).toEqual(['a1 …', 'a2 …', 'a3 …']);
      await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      live.finish();
      await page.waitForSelector(`li[data-feature="${FEATURE}"] .attempt-mark[data-winner="true"]`, {
        timeout: 20_000,
      });
      expect(await card.locator('.attempt-mark').allTextContents()).toEqual(['a1 ✗', 'a2 ✓', 'a3 ✓★']);
      expect(requests).toEqual([]);
      expect(await page.locator('li[data-feature]').count()).toBe(1);
      await page.close();
    } finally {
      started.child.kill('SIGKILL');
      live.cleanup();
    }
  });
});
