import { appendFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../../src/dashboard/server.js';
import type { Snapshot, Update } from '../../src/dashboard/view.js';
import { bearer, cleanups, setup } from './server-rig.js';
import { SseClient } from './sse-client.js';

const now = new Date().toISOString();
const started = (id: string) => ({ v: 1, ts: now, feature_id: id, status: 'running' });

/** Appends a plain hook line (`feature_id` and `status`, as a hand-written completion hook does). */
function appendStatus(log: string, featureId: string, status: string): void {
  appendFileSync(log, `${JSON.stringify({ feature_id: featureId, status })}\n`);
}

/** A client of the stream; with `lastEventId`, coming back with it (as the header or the page's query). */
function connect(dash: Dashboard, lastEventId?: string, as: 'header' | 'query' = 'header'): SseClient {
  const query =
    lastEventId !== undefined && as === 'query' ? `?last_event_id=${encodeURIComponent(lastEventId)}` : '';
  const headers = {
    ...bearer(dash),
    ...(lastEventId !== undefined && as === 'header' ? { 'Last-Event-ID': lastEventId } : {}),
  };
  const sse = new SseClient(`http://127.0.0.1:${dash.port}/api/events${query}`, headers);
  cleanups.push(() => sse.close());
  return sse;
}

/** Connects, waits for the snapshot, and leaves with the id of the last message it had. */
async function firstId(dash: Dashboard): Promise<string> {
  const sse = connect(dash);
  const snapshot = await sse.next((e) => e.event === 'snapshot');
  sse.close();
  return snapshot.id ?? '';
}

describe('dashboard stream: a client coming back', () => {
  it.each(['header', 'query'] as const)(
    'resumes where it left off (Last-Event-ID as the %s): one update with only the events it missed and the features they changed',
    async (as) => {
      const { dash, log } = await setup([started('a'), started('b')]);
      const id = await firstId(dash);
      expect(id).toMatch(/^[0-9a-f]+\.\d+\.2$/);
      appendStatus(log, 'b', 'complete');
      appendStatus(log, 'c', 'running');
      await expect.poll(() => dash.clients()).toBe(0);

      const back = connect(dash, id, as);
      const first = await back.next(() => true);
      expect(first.event).toBe('update');
      const update = JSON.parse(first.data) as Update;
      // The page has events up to seq 2: it gets 3 and 4, never 1 and 2 again.
      await expect
        .poll(async () => {
          const all = back.received.flatMap((e) => (JSON.parse(e.data) as Update).events.map((s) => s.seq));
          return all;
        })
        .toEqual([3, 4]);
      expect(back.received.every((e) => e.event === 'update')).toBe(true);
      const features = back.received.flatMap((e) => (JSON.parse(e.data) as Update).features);
      expect(new Set(features.map((f) => f.feature_id))).toEqual(new Set(['b', 'c']));
      expect(features.find((f) => f.feature_id === 'b')?.status).toBe('complete');
      expect(update.run).toBeDefined();
    },
  );

  it('resumes after 150 missed events with every one of them, once (more than an update used to carry)', async () => {
    const { dash, log } = await setup([started('a'), started('b')]);
    const id = await firstId(dash);
    appendFileSync(
      log,
      Array.from(
        { length: 150 },
        (_, i) => `${JSON.stringify({ feature_id: `f${i}`, status: 'running' })}\n`,
      ).join(''),
    );
    await expect
      .poll(async () => {
        const probe = connect(dash);
        const s = JSON.parse((await probe.next((e) => e.event === 'snapshot')).data) as Snapshot;
        probe.close();
        return s.seq;
      })
      .toBe(152);
    const back = connect(dash, id);
    const first = await back.next(() => true);
    expect(first.event).toBe('update');
    const update = JSON.parse(first.data) as Update;
    expect(update.events.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 3));
  });

  it('never skips events on a live stream, even when more are appended at once than the stream keeps', async () => {
    const { dash, log } = await setup([started('a')]);
    const live = connect(dash);
    await live.next((e) => e.event === 'snapshot');
    appendFileSync(
      log,
      Array.from(
        { length: 250 },
        (_, i) => `${JSON.stringify({ feature_id: `f${i}`, status: 'running' })}\n`,
      ).join(''),
    );
    await live.next((e) => (JSON.parse(e.data) as Update).seq === 251);
    // Each update carries every event after the message before it (no gap, whatever the batch); a batch
    // larger than the events kept comes as a snapshot.
    let seq = 0;
    for (const e of live.received) {
      const message = JSON.parse(e.data) as Update;
      if (e.event === 'update' && message.events.length > 0)
        expect(message.events[0]?.seq, e.id).toBe(seq + 1);
      seq = message.seq;
    }
  });

  it('gets a snapshot when its id is not of this dashboard, of an earlier generation, or older than the events kept', async () => {
    const { dash, log } = await setup([started('a')]);
    const other = await setup([started('a')]);
    const foreign = await firstId(other.dash);
    const [instance, generation] = (await firstId(dash)).split('.');
    const stale = [
      foreign,
      'nonsense',
      '',
      `${instance}.${Number(generation) + 1}.1`,
      `${instance}.${generation}.99`,
      `${instance}.${generation}.-1`,
    ];
    for (const id of stale) {
      const sse = connect(dash, id);
      expect((await sse.next(() => true)).event, id).toBe('snapshot');
      sse.close();
    }
    // More events missed than the stream keeps (200): only the whole board brings it up to date.
    const id = await firstId(dash);
    for (let i = 0; i < 250; i++) appendStatus(log, `f${i}`, 'running');
    await expect
      .poll(async () => {
        const probe = connect(dash);
        const s = JSON.parse((await probe.next((e) => e.event === 'snapshot')).data) as Snapshot;
        probe.close();
        return s.seq;
      })
      .toBe(251);
    const late = connect(dash, id);
    const first = await late.next(() => true);
    expect(first.event).toBe('snapshot');
    expect((JSON.parse(first.data) as Snapshot).features).toHaveLength(251);
  });

  it('gets a snapshot after the log was replaced while it was away', async () => {
    const { dash, log } = await setup([started('a'), started('b')]);
    const id = await firstId(dash);
    writeFileSync(log, `${JSON.stringify(started('z'))}\n`);
    await expect
      .poll(async () => {
        const probe = connect(dash);
        const s = JSON.parse((await probe.next((e) => e.event === 'snapshot')).data) as Snapshot;
        probe.close();
        return s.features.map((f) => f.feature_id);
      })
      .toEqual(['z']);
    const back = connect(dash, id);
    const first = await back.next(() => true);
    expect(first.event).toBe('snapshot');
    expect((JSON.parse(first.data) as Snapshot).features.map((f) => f.feature_id)).toEqual(['z']);
  });
});
