// @module-tag slow
import { describe, expect, it } from 'vitest';
import { describeIntegrateEvent } from '../../src/cli/integrate-render.js';
import { describeEvent } from '../../src/cli/progress.js';
import { appendEvent } from '../../src/log/append.js';
import type { BatonEvent } from '../../src/log/events.js';
import { palette } from '../../src/terminal/style.js';
import { chromiumForFile } from '../rig/browser.js';
import { setup } from './server-rig.js';

const browser = chromiumForFile();

const A = 'feature-001-a';
const B = 'feature-002-b';
const ts = new Date().toISOString();
const at = { v: 1, ts, run_id: 'r1' } as const;

/** One event of each type the feed once showed as a bare type name. */
const EVENTS = [
  { ...at, type: 'setup.started', feature_id: A, command: 'npm ci', timeout_ms: 300_000 },
  {
    ...at,
    type: 'setup.ended',
    feature_id: A,
    exit_code: 0,
    duration_ms: 4200,
    files: ['package-lock.json'],
  },
  { ...at, type: 'user.intervention', feature_id: A, action: 'send', text: 'yes, go on' },
  {
    ...at,
    type: 'collision.detected',
    collision_id: `${A}+${B}`,
    features: [A, B],
    kind: 'overlap',
    paths: ['src/db.ts'],
    second: B,
  },
  { ...at, type: 'collision.resolved', collision_id: `${A}+${B}`, features: [A, B] },
  {
    ...at,
    type: 'integration.discarded',
    branch: 'baton/integration',
    started_at: '2026-01-01T10:00:00.000Z',
    backup: 'refs/baton/discarded/1',
  },
  {
    ...at,
    type: 'queue.job',
    feature_id: B,
    job_id: 'r1.feature-002-b',
    state: 'active',
    host: 'box-2',
    attempt: 1,
  },
] as const satisfies readonly BatonEvent[];

describe('the feed in the words of the terminal', () => {
  it('words setup, interventions, collisions, a discarded integration and queue jobs as baton run and baton integrate print them', async () => {
    const { dash, log } = await setup([
      {
        ...at,
        type: 'run.started',
        feature_ids: [A, B],
        concurrency: 2,
        base: 'main',
        base_commit: 'x',
        mode: 'contract-first',
        pid: process.pid,
      },
    ]);
    const page = await browser.newPage();
    await page.goto(dash.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    for (const e of EVENTS) appendEvent(log, e);

    const plain = palette(false);
    // The terminal's line after the feature's id (the feed shows the id apart), or whole (a pair, the integration).
    const terminal = (e: BatonEvent) => {
      const line = describeEvent(e, plain) ?? describeIntegrateEvent(e, plain) ?? '';
      return 'feature_id' in e ? line.replace(`${e.feature_id}: `, `${e.feature_id} `) : line;
    };
    const expected = [
      `${A} setup running: npm ci (limit 5m 00s)`,
      `${A} setup exited 0 after 4.2 s; 1 file(s) it changed that git does not ignore, committed with the agent's work: package-lock.json`,
      `${A} you sent "yes, go on"`,
      `${A} & ${B}: collision (overlap) on src/db.ts; ${B} touched it last`,
      `${A} & ${B}: collision resolved`,
      'Discarded the previous integration attempt (started 2026-01-01T10:00:00.000Z); its result is kept as refs/baton/discarded/1: its merges and time no longer count',
      `${B} queue job r1.feature-002-b active on box-2 (attempt 1)`,
    ];
    // The same words as the terminal's, for each event it prints.
    expect(EVENTS.slice(0, 6).map(terminal)).toEqual(expected.slice(0, 6));

    const feed = page.locator('#events li');
    await expect
      .poll(async () => (await feed.allTextContents()).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(EVENTS.length + 1);
    // Newest first, each after its clock time.
    const shown = (await feed.allTextContents()).slice(0, EVENTS.length).reverse();
    expect(shown.map((line) => line.replace(/^\S+ /, ''))).toEqual(expected);
    await page.close();
  });
});
