// @module-tag slow
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/log/append.js';
import { chromiumForFile } from '../rig/browser.js';
import { BATON_BIN, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const browser = chromiumForFile();

const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-output');
const IDS = ['feature-001-catalog', 'feature-002-cart', 'feature-003-checkout'];
const SEARCH = 'feature-004-search';
const SEARCH_TITLE = 'Search\u202etxt.exe \u001b[31mred';

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
  repo = makeRepo({
    'README.md': '# shop\n',
    ...contractFiles([
      { id: IDS[0]!, title: 'Product catalog', criteria: [{ id: 'tests', text: 'Tests pass', run: 'true' }] },
      { id: IDS[1]!, title: 'Cart', depends: [IDS[0]!] },
      { id: IDS[2]!, title: 'Checkout', depends: [IDS[1]!] },
      // Independent of the catalog, yet owning part of its folder: a predicted hotspot, not yet run.
      // A title with a right-to-left override and ESC: shown escaped on its card and in its detail's heading.
      { id: SEARCH, title: SEARCH_TITLE, owns: [`src/${IDS[0]}/search/**`] },
    ]),
  });
  // A run in progress, as `baton run` leaves the log while three agents work.
  const log = join(repo.root, '.baton', 'log.jsonl');
  mkdirSync(join(repo.root, '.baton', 'logs'), { recursive: true });
  appendEvent(log, {
    type: 'run.started',
    run_id: 'run-1',
    feature_ids: IDS,
    concurrency: 3,
    base: 'main',
    base_commit: repo.git('rev-parse', 'HEAD'),
    mode: 'contract-first',
    pid: process.pid,
  });
  holdRunLock(repo.root, 'run-1');
  IDS.forEach((id, i) => {
    // Where Baton writes an agent's log: the dashboard reads it only there, never from a path in the log.
    const logFile = join(repo.root, '.baton', 'runs', 'run-1', id, 'agent.log');
    mkdirSync(join(logFile, '..'), { recursive: true });
    writeFileSync(logFile, `agent working on ${id}\nwrote src/${id}/index.ts\n`);
    appendEvent(log, {
      type: 'feature.started',
      run_id: 'run-1',
      feature_id: id,
      status: 'running',
      agent: 'claude',
      branch: `baton/${id}`,
      worktree: join(repo.root, '..', 'worktrees', id),
      log_file: logFile,
      port: 41000 + i * 10,
    });
  });
  ({ child: server, url } = await startDashboardProcess(repo.root));
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  repo?.cleanup();
});

describe('dashboard in a browser', () => {
  it('moves a card to complete on its `feature.ended`, pushed down the open event stream (no request, no reload); a hook\'s "complete" alone does not', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Script errors and console errors (a Content-Security-Policy violation is one) fail the test.
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(url);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).not.toContain('token=');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    for (const id of IDS) {
      expect(await page.locator(`[data-column="running"] li[data-feature="${id}"]`).count()).toBe(1);
    }
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    // From here on the page may ask the server for nothing: the move must come down the open event stream.
    const requestsAfter: string[] = [];
    page.on('request', (req) => requestsAfter.push(req.url()));

    const hook = runBatonProcess(['hook', 'stop', '--feature', IDS[1]!, '--status', 'complete'], {
      cwd: repo.root,
    });
    expect(hook.stderr).toBe('');
    expect(hook.code).toBe(0);
    // The runner started the feature, so the runner decides how it ends: the hook's word moves nothing.
    await expect
      .poll(() => page.locator(`li[data-feature="${IDS[1]}"] .last`).textContent(), { timeout: 20_000 })
      .toContain('hook stop');
    expect(await page.locator(`[data-column="running"] li[data-feature="${IDS[1]}"]`).count()).toBe(1);
    appendEvent(join(repo.root, '.baton', 'log.jsonl'), {
      type: 'feature.ended',
      run_id: 'run-1',
      feature_id: IDS[1]!,
      status: 'complete',
    });
    // How fast it moves is measured by bench/dashboard.bench.js (event to page); here only that it moves, pushed.
    // The wait is long because the whole suite shares two cores with browsers and agents.
    await page.waitForSelector(`[data-column="complete"] li[data-feature="${IDS[1]}"]`, { timeout: 20_000 });
    expect(requestsAfter).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await page.locator(`[data-column="running"] li[data-feature]`).count()).toBe(2);
    expect(await page.locator('[data-column="complete"] .count').textContent()).toBe('1');
    expect(await page.locator(`li[data-feature="${IDS[1]}"] .elapsed`).textContent()).toMatch(/^\d+s$/);
    await expect
      .poll(() => page.locator(`li[data-feature="${IDS[1]}"] .last`).textContent())
      .toContain('feature.ended: complete');

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(SCREENSHOT_DIR, 'dashboard.png'))).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("opens a feature's detail with its contract, events and agent log", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click(`li[data-feature="${IDS[0]}"] article`);
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('pre.contract').textContent()).toContain(`feature_id: ${IDS[0]}`);
    expect(await page.locator('#detail-title').textContent()).toBe(`${IDS[0]} — Product catalog`);
    expect(await detail.locator('pre.log').textContent()).toContain(`wrote src/${IDS[0]}/index.ts`);
    expect(await detail.locator('.feature-events').textContent()).toContain('agent claude started');
    // Checks n/m counts the criteria its checks will run before any has: its contract's and `owns`.
    expect(await page.locator(`li[data-feature="${IDS[0]}"] .checks`).textContent()).toBe('0/2');
    // The graph has one node per contract, the two dependency edges, and the one overlap between
    // independent features, dashed, titled with the path both own.
    expect(await page.locator('#graph .node').count()).toBe(4);
    expect(await page.locator('#graph .edge:not(.overlap)').count()).toBe(2);
    const overlap = page.locator('#graph .edge.overlap');
    expect(await overlap.count()).toBe(1);
    expect([await overlap.getAttribute('data-a'), await overlap.getAttribute('data-b')].sort()).toEqual([
      IDS[0],
      SEARCH,
    ]);
    expect(await overlap.locator('title').textContent()).toContain(`src/${IDS[0]}/search/`);
    const dashes = await overlap.evaluate(
      (e) =>
        (
          globalThis as unknown as { getComputedStyle(el: unknown): { strokeDasharray: string } }
        ).getComputedStyle(e).strokeDasharray,
    );
    expect(dashes).not.toBe('none');
    expect(await page.locator('#timeline .bar').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-detail.png') });
    await page.keyboard.press('Escape');
    expect(await detail.isHidden()).toBe(true);
    await page.close();
  });

  it("shows what agents changed outside their worktrees: on the feature's card, and every escape above the board", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#escapes').isHidden()).toBe(true);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const escaped = { type: 'feature.escaped', run_id: 'run-1', kind: 'checkout' } as const;
    appendEvent(log, { ...escaped, feature_id: IDS[0]!, files: ['base.txt'], attribution: 'run-window' });
    appendEvent(log, { ...escaped, feature_id: IDS[1]!, files: ['STRAY.txt'], attribution: 'unknown' });
    // Pushed down the open stream: the card of the feature it is filed under, and the run-level list.
    const card = page.locator(`li[data-feature="${IDS[0]}"] .escaped`);
    await expect
      .poll(() => card.textContent(), { timeout: 20_000 })
      .toBe('⚠ changed outside the worktrees while it ran: base.txt');
    expect(await card.isVisible()).toBe(true);
    const list = page.locator('#escapes li');
    await expect
      .poll(() => list.allTextContents(), { timeout: 20_000 })
      .toEqual([
        `changed outside the worktrees while ${IDS[0]} ran: base.txt`,
        'changed outside the worktrees while several agents or none ran: STRAY.txt',
      ]);
    expect(await page.locator('#escapes').isVisible()).toBe(true);
    // Unattributed: no card carries it.
    expect(await page.locator(`li[data-feature="${IDS[1]}"] .escaped`).isHidden()).toBe(true);
    await page.close();
  });

  it('shows bidi overrides and escape characters from the log escaped, as status does', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    // A hook line carrying a right-to-left override (to make "exe.txt" read as "txt.exe") and ESC.
    appendEvent(join(repo.root, '.baton', 'log.jsonl'), {
      type: 'hook',
      run_id: 'run-1',
      feature_id: IDS[0]!,
      event: 'notify',
      detail: 'report\u202etxt.exe \u001b[31mred\u2066',
    });
    const last = page.locator(`li[data-feature="${IDS[0]}"] .last`);
    await expect.poll(() => last.textContent(), { timeout: 20_000 }).toContain('report\\u202etxt.exe');
    const text = (await last.textContent()) ?? '';
    expect(text).toContain('\\x1b[31mred\\u2066');
    const raw = (t: string | null) => ['\u001b', '\u202e', '\u2066'].some((c) => t?.includes(c));
    expect(raw(text)).toBe(false);
    expect(raw(await last.getAttribute('title'))).toBe(false);

    // A collision's paths and what an agent changed outside its worktree, on the card and its tooltip.
    // The collision comes alone: it names its features in `features`, not `feature_id`.
    const log = join(repo.root, '.baton', 'log.jsonl');
    appendEvent(log, {
      type: 'collision.detected',
      run_id: 'run-1',
      collision_id: `${IDS[0]}+${IDS[2]}`,
      features: [IDS[0]!, IDS[2]!],
      kind: 'overlap',
      paths: ['src/\u202egnp.exe\u001b[31m'],
      second: IDS[2]!,
    });
    const card = page.locator(`li[data-feature="${IDS[2]}"]`);
    await expect
      .poll(() => card.locator('.collision').textContent(), { timeout: 20_000 })
      .toContain('src/\\u202egnp.exe\\x1b[31m');
    appendEvent(log, {
      type: 'feature.escaped',
      run_id: 'run-1',
      feature_id: IDS[2]!,
      files: ['evil\u202etxt.exe\u001b[2J'],
      kind: 'checkout',
      attribution: 'run-window',
    });
    await expect
      .poll(() => card.locator('.escaped').textContent(), { timeout: 20_000 })
      .toContain('evil\\u202etxt.exe\\x1b[2J');
    for (const line of [card.locator('.collision'), card.locator('.escaped')]) {
      expect(raw(await line.textContent())).toBe(false);
      expect(raw(await line.getAttribute('title'))).toBe(false);
    }

    // A contract's title: on its card and in the heading of its detail.
    const search = page.locator(`li[data-feature="${SEARCH}"]`);
    expect(await search.locator('.title').textContent()).toBe('Search\\u202etxt.exe \\x1b[31mred');
    await search.locator('article').click();
    const heading = page.locator('#detail-title');
    await expect.poll(() => heading.textContent()).toBe(`${SEARCH} — Search\\u202etxt.exe \\x1b[31mred`);
    expect(raw(await heading.textContent())).toBe(false);
    await page.close();
  });

  it("counts checks n/m as status does, the implicit owns check included, and words an agent's failed exit plainly", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    const log = join(repo.root, '.baton', 'log.jsonl');
    appendEvent(log, {
      type: 'agent.exited',
      run_id: 'run-1',
      feature_id: IDS[2]!,
      exit_code: 3,
      signal: null,
      duration_ms: 1200,
      files: [],
      reason: 'exit 3',
    });
    appendEvent(log, {
      type: 'check.passed',
      run_id: 'run-1',
      feature_id: IDS[0]!,
      criterion_id: 'owns',
      text: 'changes stay inside owns',
      kind: 'files',
      on: 'worktree',
      message: '1 changed file, none outside owns',
    });
    // `owns` passed, the contract's own criterion still runs: one of two, not "1/1" in green.
    const checks = page.locator(`li[data-feature="${IDS[0]}"] .checks`);
    await expect.poll(() => checks.textContent(), { timeout: 20_000 }).toBe('1/2');
    expect(await checks.getAttribute('data-outcome')).toBe('some');
    const status = runBatonProcess(['status', '--json', '--no-disk'], { cwd: repo.root });
    const row = (JSON.parse(status.stdout) as { features: Array<{ feature_id: string; checks: unknown }> })
      .features;
    expect(row.find((f) => f.feature_id === IDS[0])?.checks).toMatchObject({ passed: 1, total: 2 });
    // Cart has no criteria of its own and owns src/feature-002-cart/**: the owns check is its one.
    expect(await page.locator(`li[data-feature="${IDS[1]}"] .checks`).textContent()).toBe('0/1');
    await expect
      .poll(() => page.locator('#events').textContent(), { timeout: 20_000 })
      .toContain('agent exited with code 3, 0 files changed');
    expect(await page.locator('#events').textContent()).not.toContain('exited exit');
    await page.close();
  });

  it('stops cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
