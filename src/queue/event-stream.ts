import { closeSync, readFileSync, readSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { UserError } from '../errors.js';
import type { NewEvent } from '../log/events.js';
import { checkLogValue } from '../log/parse-event.js';
import { openLogForRead } from '../log/read.js';
import type { EventSink } from '../log/sink.js';
import { EVENT_GROUP, eventIdOf, eventStreamKey, parseEventId } from './names.js';

/** Forwards the lines of a worker's local log of one attempt to the run's stream, each with a stable id. */
export interface EventForwarder {
  /** Sends every complete line written since the last flush. */
  flush(): Promise<void>;
  /**
   * The same, waited on for at most `ms`: with Redis away the send waits for it (the lines stay
   * queued, in order), while the attempt goes on with its checks and push.
   */
  flushWithin(ms: number): Promise<void>;
}

/**
 * Tails the local log an attempt writes (the runner's events, the agent's hooks, the checks) and
 * sends each line to the run's Redis stream as `{eid, line}`, where `eid` is
 * `<job_id>.<enqueue tag>:<attempt>:<line number>`: a line sent twice has the same id, so the orchestrator keeps one.
 */
export function createEventForwarder(opts: {
  redis: Redis;
  runId: string;
  /** The job's enqueue this attempt belongs to (`jobInstanceOf`). */
  instance: string;
  attempt: number;
  logPath: string;
}): EventForwarder {
  let offset = 0;
  let seq = 0;
  let chain: Promise<void> = Promise.resolve();
  const once = async () => {
    const appended = readAppended(opts.logPath, offset);
    if (appended === undefined) return;
    const end = offset + appended.lastIndexOf(0x0a) + 1;
    if (end <= offset) return;
    const lines = appended
      .subarray(0, end - offset)
      .toString('utf8')
      .split('\n')
      .slice(0, -1);
    const pipeline = opts.redis.pipeline();
    for (const line of lines) {
      seq++;
      if (line.trim() === '') continue;
      pipeline.xadd(
        eventStreamKey(opts.runId),
        '*',
        'eid',
        eventIdOf(opts.instance, opts.attempt, seq),
        'line',
        line,
      );
    }
    await pipeline.exec();
    offset = end;
  };
  const flush = () => {
    chain = chain.then(once, once);
    return chain;
  };
  return {
    flush,
    flushWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      });
      return Promise.race([flush().catch(() => undefined), waited]).finally(() => clearTimeout(timer));
    },
  };
}

/**
 * The bytes of the log from `offset` to its end; undefined when there is no log. The agent can reach
 * this log (its hooks append to it): a FIFO or symlink put in its place is `log/unusable`, never waited on.
 */
function readAppended(logPath: string, offset: number): Buffer | undefined {
  const opened = openLogForRead(logPath);
  if (!opened) return undefined;
  try {
    const buf = Buffer.alloc(Math.max(0, opened.size - offset));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(opened.fd, buf, got, buf.length - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(opened.fd);
  }
}

/** Reads a run's stream with a consumer group and appends each new event to the log once. */
export interface EventConsumer {
  /** Reads what is there (waiting up to `blockMs` for something), appends, acknowledges. */
  drain(blockMs?: number): Promise<number>;
}

/**
 * Decides whether a forwarded event may enter the log: its job must be one of the run's, as enqueued
 * now (`enqueue`, its tag), for its own feature. `false` drops it quietly (a stale worker's); a string
 * is why it is refused, said through `onRejected`; `null` says it is not this reader's to judge (a job of
 * the run that another resume follows): it stays in the stream, unacknowledged, for the reader that is.
 */
export type EventFilter = (
  from: { jobId: string; enqueue: string; attempt: number },
  event: Record<string, unknown>,
) => boolean | string | null | Promise<boolean | string | null>;

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

/** What the consumer of a run's stream works with. */
interface ConsumerOptions {
  redis: Redis;
  runId: string;
  sink: EventSink;
  seen: Set<string>;
  accept: EventFilter;
  /** Fields set on an accepted event over whatever the worker wrote in them (the orchestrator's word). */
  stamp?: (event: Record<string, unknown>) => Record<string, unknown>;
  onRejected?: (eid: string, why: string) => void;
}

/** Whether an error is the log refusing one line for its length: that line's fault, not the log's. */
function isLineTooLong(err: unknown): boolean {
  return err instanceof UserError && err.code === 'log/line-too-long';
}

/**
 * Appends one stream entry through the sink, unless it is a line already in the log, refused, or filtered
 * out; false when the entry is left for another reader (`accept` said `null`): not to be acknowledged.
 */
async function handleEntry(opts: ConsumerOptions, id: string, fields: string[]): Promise<boolean> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const eid = map.get('eid') ?? `stream:${id}`;
  if (opts.seen.has(eid)) return true;
  const parsed = parseEventId(eid);
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(map.get('line') ?? '');
  } catch {
    opts.onRejected?.(eid, 'not JSON');
    return true;
  }
  if (!parsed || event === null || typeof event !== 'object' || Array.isArray(event)) {
    opts.onRejected?.(eid, 'not an event of this run');
    return true;
  }
  // The rule the local log's reader applies: a typed event by its schema, a plain hook line by its
  // `feature_id` and `status`.
  const checked = checkLogValue(event);
  if ('problem' in checked) {
    opts.onRejected?.(eid, checked.problem);
    return true;
  }
  const accepted = await opts.accept(parsed, event);
  if (accepted === null) return false;
  if (typeof accepted === 'string') opts.onRejected?.(eid, accepted);
  if (accepted !== true) return true;
  // Marked before the append: a subscriber that throws after the line is written must not get it
  // written twice when the entry is read again.
  opts.seen.add(eid);
  const { v: _v, ...rest } = event;
  try {
    // A plain hook line goes through as written (no `type`): subscribers get the `LogEvent` it is.
    opts.sink.emit({ ...rest, ...opts.stamp?.(event), run_id: opts.runId, eid } as unknown as NewEvent);
  } catch (err) {
    if (!isLineTooLong(err)) throw err;
    opts.seen.delete(eid);
    opts.onRejected?.(eid, (err as Error).message);
  }
  return true;
}

/**
 * The orchestrator's side: XREADGROUP on the run's stream (its own pending entries first, after a
 * crash or a failed drain), each line appended through the sink unless its `eid` is already in the log
 * (`seen`, built from the log at start-up), then XACK. Appending before acknowledging makes a crash in
 * between produce a redelivery, which `seen` turns into a no-op: each line lands exactly once. A line
 * the log would not take (by the log's own rules: `checkLogValue`, the line length) is reported through
 * `onRejected` and acknowledged, so it never stops the run nor comes back on `--resume`. A line `accept`
 * leaves to another reader (`null`) is not acknowledged: the resume that follows its job reads it from
 * the group's pending list.
 */
export async function createEventConsumer(opts: ConsumerOptions): Promise<EventConsumer> {
  const key = eventStreamKey(opts.runId);
  const createGroup = async () => {
    try {
      await opts.redis.xgroup('CREATE', key, EVENT_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
  };
  await createGroup();
  let pendingFirst = true;
  // Where the reading of the pending list goes on from: entries left there for another reader (`accept`
  // said `null`) are passed over, not read again and again.
  let pendingFrom = '0';
  /**
   * Handles a batch entry by entry, then acknowledges it, except the entries left for another reader.
   * When handling fails for a reason that is not the entry's (the log, a subscriber), those handled are
   * acknowledged and the rest stay pending, for the next drain to read again from the group's pending list.
   */
  const handleBatch = async (entries: Array<[string, string[]]>): Promise<void> => {
    const done: string[] = [];
    try {
      for (const [id, fields] of entries) {
        if (await handleEntry(opts, id, fields)) done.push(id);
        if (pendingFirst) pendingFrom = id;
      }
    } finally {
      if (done.length > 0) await opts.redis.xack(key, EVENT_GROUP, ...done);
    }
  };
  const readBatch = async (blockMs: number, total: number): Promise<StreamReply> => {
    const start = pendingFirst ? pendingFrom : '>';
    const args: Array<string | number> = ['GROUP', EVENT_GROUP, 'orchestrator', 'COUNT', 500];
    if (!pendingFirst && blockMs > 0 && total === 0) args.push('BLOCK', blockMs);
    try {
      return (await (opts.redis.xreadgroup as (...a: unknown[]) => Promise<unknown>)(
        ...args,
        'STREAMS',
        key,
        start,
      )) as StreamReply;
    } catch (err) {
      // A Redis that lost its data (no AOF) lost the group too; the ids in the log still guard duplicates.
      if (!String(err).includes('NOGROUP')) throw err;
      await createGroup();
      return readBatch(blockMs, total);
    }
  };
  const drainOnce = async (blockMs: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const entries = (await readBatch(blockMs, total))?.[0]?.[1] ?? [];
      if (pendingFirst && entries.length === 0) {
        pendingFirst = false;
        pendingFrom = '0';
        continue;
      }
      if (entries.length === 0) return total;
      await handleBatch(entries);
      total += entries.length;
    }
  };
  const drain = async (blockMs = 0): Promise<number> => {
    try {
      return await drainOnce(blockMs);
    } catch (err) {
      // Whatever was read and not acknowledged is in the group's pending list, which `>` never reads again.
      pendingFirst = true;
      pendingFrom = '0';
      throw err;
    }
  };
  return { drain };
}

/** The event ids already in a log, so a restarted orchestrator appends no line twice. */
export function seenEventIds(logPath: string): Set<string> {
  const seen = new Set<string>();
  const opened = openLogForRead(logPath);
  if (!opened) return seen;
  let text: string;
  try {
    text = readFileSync(opened.fd, 'utf8');
  } finally {
    closeSync(opened.fd);
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"eid"')) continue;
    try {
      const e = JSON.parse(line) as { eid?: unknown };
      if (typeof e.eid === 'string') seen.add(e.eid);
    } catch {
      // A torn line is the reader's business; it has no id to remember.
    }
  }
  return seen;
}
