import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_SENT_TEXT } from '../../src/dashboard/clip.js';
import type { Snapshot, Update } from '../../src/dashboard/view.js';
import { bearer, send, setup } from './server-rig.js';
import { SseClient } from './sse-client.js';

/** A raw hook line anyone can append to the log, with a detail of about a megabyte. */
const hugeHook = (id: string, i: number) => ({
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  feature_id: id,
  type: 'hook',
  event: 'stop',
  detail: `${i}:${'x'.repeat(1_000_000)}`,
});

function expectClipped(text: string | undefined): void {
  expect(text?.length).toBe(MAX_SENT_TEXT);
  expect(text?.endsWith('…')).toBe(true);
}

/** The longest string in a value sent, object keys included. */
function longestString(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 0;
  let longest = 0;
  for (const [key, item] of Object.entries(value)) {
    longest = Math.max(longest, Array.isArray(value) ? 0 : key.length, longestString(item));
  }
  return longest;
}

const RUN = 'r-keys';
/** A line naming `a`'s criterion `id` failed, as any process can append one. */
const failedCheck = (id: string) => ({
  v: 1,
  ts: '2026-12-07T10:00:02.000Z',
  type: 'check.failed',
  run_id: RUN,
  feature_id: 'a',
  criterion_id: id,
  text: 't',
  kind: 'run',
  on: 'worktree',
  message: 'm',
});

describe('dashboard: ids from the log that become keys are clipped too', () => {
  it('cuts a criterion_id or collision_id of a megabyte, keeping distinct ids distinct', async () => {
    const mb = 'K'.repeat(1_000_000);
    const { dash, log } = await setup([
      {
        v: 1,
        ts: '2026-12-07T10:00:00.000Z',
        type: 'run.started',
        run_id: RUN,
        feature_ids: ['a'],
        concurrency: 1,
        base: 'HEAD',
        base_commit: '0'.repeat(40),
        mode: 'contract-first',
        pid: 999_999,
      },
      ...Array.from({ length: 20 }, (_, i) => failedCheck(`c${i}${mb}`)),
      // Two ids the same for their first 16 KiB and more: two results still.
      failedCheck(`${mb}-one`),
      failedCheck(`${mb}-two`),
      {
        v: 1,
        ts: '2026-12-07T10:00:03.000Z',
        type: 'collision.detected',
        collision_id: `X${mb}`,
        features: ['a', 'b'],
        kind: 'overlap',
        paths: ['p'],
        second: 'a',
      },
    ]);

    const state = await send(dash.port, '/api/state', { headers: bearer(dash) });
    expect(state.status).toBe(200);
    // 23 MB of ids in the log; the board's answer stays small.
    expect(state.body.length).toBeLessThan(2_000_000);
    const snapshot = JSON.parse(state.body) as Snapshot;
    expect(longestString(snapshot)).toBeLessThanOrEqual(MAX_SENT_TEXT);
    const a = snapshot.features.find((f) => f.feature_id === 'a');
    expect(Object.keys(a?.checks ?? {})).toHaveLength(22);
    expect(Object.keys(a?.collisions ?? {})).toHaveLength(1);
    // The id a result shows is its own, cut as any text is.
    for (const check of Object.values(a?.checks ?? {})) expectClipped(check.criterion_id);

    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    try {
      const first = await sse.next((e) => e.event === 'snapshot');
      expect(first.data.length).toBeLessThan(2_000_000);
      appendFileSync(log, `${JSON.stringify(failedCheck(`c99${mb}`))}\n`);
      const update = await sse.next((e) => e.event === 'update' && JSON.parse(e.data).events.length > 0);
      expect(update.data.length).toBeLessThan(2_000_000);
      const sent = JSON.parse(update.data) as Update;
      expect(longestString(sent)).toBeLessThanOrEqual(MAX_SENT_TEXT);
      expect(Object.keys(sent.features.find((f) => f.feature_id === 'a')?.checks ?? {})).toHaveLength(23);
    } finally {
      sse.close();
    }

    const detail = await send(dash.port, '/api/features/a', { headers: bearer(dash) });
    expect(detail.status).toBe(200);
    expect(detail.body.length).toBeLessThan(2_000_000);
    expect(longestString(JSON.parse(detail.body))).toBeLessThanOrEqual(MAX_SENT_TEXT);
  });
});

describe('dashboard: untrusted text is clipped before it is sent', () => {
  it('in the state, the event stream and the feature detail', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => hugeHook(`feature-00${i % 2}-a`, i));
    const { dash, log } = await setup(lines);

    const state = await send(dash.port, '/api/state', { headers: bearer(dash) });
    expect(state.status).toBe(200);
    // 20 MB in the log; the board's answer stays small.
    expect(state.body.length).toBeLessThan(2_000_000);
    const snapshot = JSON.parse(state.body) as Snapshot;
    expect(snapshot.events).toHaveLength(20);
    for (const { event } of snapshot.events) expectClipped((event as { detail?: string }).detail);

    const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events`, bearer(dash));
    try {
      const first = await sse.next((e) => e.event === 'snapshot');
      expect(first.data.length).toBeLessThan(2_000_000);
      appendFileSync(log, `${JSON.stringify(hugeHook('feature-000-a', 99))}\n`);
      const update = await sse.next((e) => e.event === 'update' && JSON.parse(e.data).events.length > 0);
      const sent = (JSON.parse(update.data) as Update).events.at(-1)?.event as { detail?: string };
      expectClipped(sent.detail);
      expect(sent.detail?.startsWith('99:')).toBe(true);
    } finally {
      sse.close();
    }

    const detail = await send(dash.port, '/api/features/feature-000-a', { headers: bearer(dash) });
    expect(detail.status).toBe(200);
    expect(detail.body.length).toBeLessThan(1_000_000);
    const parsed = JSON.parse(detail.body) as { events: Array<{ event: { detail?: string } }> };
    expect(parsed.events.length).toBeGreaterThan(5);
    for (const { event } of parsed.events) expectClipped(event.detail);
  });

  it('leaves text within the cap as it is, newlines included', async () => {
    const detail = 'line one\nline two';
    const { dash } = await setup([{ ...hugeHook('feature-001-a', 0), detail }]);
    const snapshot = JSON.parse(
      (await send(dash.port, '/api/state', { headers: bearer(dash) })).body,
    ) as Snapshot;
    expect((snapshot.events[0]?.event as { detail?: string } | undefined)?.detail).toBe(detail);
  });
});
