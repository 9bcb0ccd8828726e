/**
 * One Baton at a time per repository: `baton run` (and `pick`) holds `.baton/run.lock`, `baton
 * integrate` holds `.baton/integrate.lock`, `baton verify` holds `.baton/verify.lock`, and each
 * refuses to start while any of these locks is held by a live process. A lock records the holder's
 * pid and process start time, so a lock left by a process that died (or whose pid was recycled) is
 * recognised as stale and taken over, and said so.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { processArgv, processInfo, processProof, sameProcessAlive } from '../guard/proc.js';
import { removeQuietly } from '../state-write.js';
import { escapeControl } from '../text/escape.js';
import {
  beingWritten,
  createLockFile,
  lockWriteFailed,
  POLL_MS,
  pause,
  readHolder,
  takeOverStale,
} from './lock-file.js';

/**
 * The commands that take a lock, each its own file. Each refuses while another kind's is held by a
 * live Baton; `clean` takes its own so two cleans never remove at once.
 */
const LOCK_KINDS = ['run', 'integrate', 'verify', 'clean'] as const;

/** The commands that take a lock. */
export type LockKind = (typeof LOCK_KINDS)[number];

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  /** The holder process's start time (ms since the epoch), to tell a recycled pid apart. */
  process_started_ms?: number;
  /** When the lock was taken (ISO-8601). */
  since: string;
  command: LockKind;
  /** The command as the user typed it when it is not the lock's own (`pick` takes the run lock). */
  as?: string;
  /**
   * The run the holder of the `run` lock started, written just before its `run.started`: what proves
   * a run the log records is live (`runLiveness`), since any process can append a `run.started`.
   */
  run_id?: string;
}

/** A held lock. */
export interface BatonLock {
  path: string;
  /** A stale lock this one replaced, when there was one. */
  tookOver?: LockHolder;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** Where a kind of lock lives. */
export function lockPath(root: string, kind: LockKind): string {
  return join(root, '.baton', `${kind}.lock`);
}

/**
 * Records on the run lock this process holds which run it started (`LockHolder.run_id`), before the
 * run's `run.started` is written; replaced whole (a rename), so a reader sees the lock before or after.
 * Does nothing when this process does not hold the run lock (an in-process caller without one).
 */
export function recordRunInLock(root: string, runId: string): void {
  const path = lockPath(root, 'run');
  const holder = readHolder(path);
  if (holder === undefined || holder === 'unreadable' || holder.pid !== process.pid) return;
  const next = `${path}.${process.pid}.tmp`;
  // Created afresh (O_EXCL), so a symlink put there is removed, never written through.
  removeQuietly(next);
  try {
    writeFileSync(next, `${JSON.stringify({ ...holder, run_id: runId })}\n`, { mode: 0o644, flag: 'wx' });
    renameSync(next, path);
  } catch (err) {
    removeQuietly(next);
    throw lockWriteFailed(path, err, 'recording the run in it');
  }
}

/** Who holds the run lock, as its file says (alive or not); undefined when there is none Baton could read. */
export function runLockHolder(root: string): LockHolder | undefined {
  const holder = readHolder(lockPath(root, 'run'));
  return holder === 'unreadable' ? undefined : holder;
}

/** The command a holder runs, in words; a lock file is anyone's to write, so escaped (pure). */
function holderCommand(h: LockHolder): string {
  return escapeControl(String(typeof h.as === 'string' ? h.as : h.command));
}

/**
 * Whether a recorded holder is the live Baton that took the lock: `proven` when its recorded start
 * time matches the live process's; where either is missing (a hand-written or copied lock, no /proc),
 * only when the process started no later than the lock's `since` and its command line is node running
 * Baton. `unproven`: a live process none of that proves; `gone`: dead, or a pid recycled since.
 */
export function holderProof(h: LockHolder): 'gone' | 'proven' | 'unproven' {
  if (h.pid === process.pid) return 'gone'; // our own leftover (an in-process caller that threw)
  const since = Date.parse(typeof h.since === 'string' ? h.since : '');
  const proof = processProof(
    h.pid,
    {
      startedMs: typeof h.process_started_ms === 'number' ? h.process_started_ms : undefined,
      ...(Number.isFinite(since) ? { sinceMs: since } : {}),
    },
    runsBaton,
  );
  return proof === 'same' ? 'proven' : proof;
}

/** Whether a recorded holder is still a live process that may be the Baton that took the lock (proven or not). */
export function holderAlive(h: LockHolder): boolean {
  return holderProof(h) !== 'gone';
}

/** Whether a process's command line is node running Baton (`node …/baton[.js] …`); false when unreadable. */
function runsBaton(pid: number): boolean {
  const argv = processArgv(pid);
  if (!argv?.[0]) return false;
  const node = argv[0] === process.execPath || /^node(js)?[\d.]*(\.exe)?$/i.test(basename(argv[0]));
  const script = argv.slice(1).find((a) => !a.startsWith('-'));
  return node && script !== undefined && /^baton(\.c?js)?$/i.test(basename(script));
}

/**
 * How to stop the holder of the lock at `path`, the one rule every message that names one follows:
 * `kill -INT` only for a holder proven to be Baton; for an unproven one, how to check it and remove
 * the lock.
 */
export function stopHolderHint(h: LockHolder, path: string): string {
  if (holderProof(h) === 'proven') return `stop it (kill -INT ${h.pid})`;
  return `check it (ps -p ${h.pid} -o pid,lstart,args): ${path} names pid ${h.pid}, which is not proven to be Baton; if it is not one, remove the lock (rm ${printableArg(path)})`;
}

function refuse(h: LockHolder, path: string): UserError {
  const who = `pid ${h.pid}, since ${escapeControl(String(h.since))}: baton ${holderCommand(h)}`;
  if (holderProof(h) !== 'proven') {
    return new UserError(
      'lock/busy',
      `${path} names a live process that is not proven to be Baton (${who})`,
      {
        hint: `The lock does not record that process's start time, and its command line is not Baton's. Check it (ps -p ${h.pid} -o pid,lstart,args); if it is not a Baton, remove the lock (rm ${printableArg(path)}) and run the command again.`,
      },
    );
  }
  return new UserError('lock/busy', `another Baton is running (${who})`, {
    hint: `Wait for it to finish, or stop it (kill -INT ${h.pid}). A lock left by a process that died is taken over by itself (${path}).`,
  });
}

/** The live Baton holding one of the locks of `kinds`, when there is one. */
function liveHolder(
  root: string,
  kinds: readonly LockKind[],
): { holder: LockHolder; path: string } | undefined {
  for (const kind of kinds) {
    const path = lockPath(root, kind);
    const holder = readHolder(path);
    if (holder && holder !== 'unreadable' && holderAlive(holder)) return { holder, path };
  }
  return undefined;
}

/**
 * Takes the lock of `kind` for this process, after checking no live Baton holds it or another
 * kind's lock; a stale lock (its holder is gone) is replaced and returned in `tookOver`. The lock
 * is also released when the process exits. Throws `lock/busy` otherwise.
 */
export function acquireBatonLock(
  root: string,
  kind: LockKind,
  opts: { now?: Date; as?: string } = {},
): BatonLock {
  const now = opts.now ?? new Date();
  const path = lockPath(root, kind);
  try {
    mkdirSync(join(root, '.baton'), { recursive: true });
  } catch (err) {
    throw lockWriteFailed(path, err, `creating its folder ${join(root, '.baton')}`);
  }
  const other = liveHolder(
    root,
    LOCK_KINDS.filter((k) => k !== kind),
  );
  if (other) throw refuse(other.holder, other.path);
  const self = processInfo(process.pid);
  const me: LockHolder = {
    pid: process.pid,
    ...(self ? { process_started_ms: self.startMs } : {}),
    since: now.toISOString(),
    command: kind,
    ...(opts.as && opts.as !== kind ? { as: opts.as } : {}),
  };
  let tookOver: LockHolder | undefined;
  const deadline = Date.now() + TRY_MS;
  for (;;) {
    if (!createLockFile(path, `${JSON.stringify(me)}\n`)) {
      if (Date.now() > deadline) break;
      const holder = readHolder(path);
      if (holder === undefined) continue; // released meanwhile: try again
      if (holder !== 'unreadable' && holderAlive(holder)) throw refuse(holder, path);
      if (holder === 'unreadable' && beingWritten(path)) {
        pause(POLL_MS);
        continue;
      }
      const outcome = takeOverStale(path, holder);
      // Our own leftover (an in-process caller) is replaced silently; another's stale lock is reported.
      if (outcome === 'removed' && holder !== 'unreadable' && holder.pid !== process.pid) tookOver = holder;
      if (outcome === 'wait') pause(POLL_MS);
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      const holder = readHolder(path);
      if (holder && holder !== 'unreadable' && holder.pid === process.pid && holder.since === me.since) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    };
    process.on('exit', release);
    // Another kind's Baton that looked before this lock existed, as this one looked before its lock did:
    // the one whose lock came second gives way, so two never run.
    const first = earlierOtherHolder(root, kind, me);
    if (first) {
      release();
      throw refuse(first.holder, first.path);
    }
    return { path, ...(tookOver ? { tookOver } : {}), release };
  }
  throw new UserError('lock/busy', `could not take ${path}: other Batons keep taking it`, {
    hint: 'Run one Baton command at a time in this repository.',
  });
}

/**
 * A live Baton holding another kind's lock taken before ours (`me`): by the times the holders
 * recorded (`since`), then the lower pid. Not by the files' times: a run rewrites its lock when it
 * records its run id. Both Batons compare the same two holders, so exactly one gives way.
 */
export function earlierOtherHolder(
  root: string,
  kind: LockKind,
  me: LockHolder,
): { holder: LockHolder; path: string } | undefined {
  for (const other of LOCK_KINDS.filter((k) => k !== kind)) {
    const live = liveHolder(root, [other]);
    if (!live) continue;
    const theirs = live.holder;
    if (theirs.since < me.since || (theirs.since === me.since && theirs.pid < me.pid)) return live;
  }
  return undefined;
}

/** How long a command keeps trying for its lock while other Batons start or take a stale one over. */
const TRY_MS = 5_000;

/**
 * The live Baton (`run`, `integrate` or `verify`) holding a lock, when one does, and that lock's path;
 * stale locks are left for the next command that takes a lock to take over.
 */
export function batonRunning(root: string): (LockHolder & { lockPath: string }) | undefined {
  const live = liveHolder(root, LOCK_KINDS);
  return live && { ...live.holder, lockPath: live.path };
}

/** The locks that name a live process not proven to be Baton (`holderProof`), each with its path. */
export function unprovenHolders(root: string): Array<{ holder: LockHolder; path: string }> {
  const out: Array<{ holder: LockHolder; path: string }> = [];
  for (const kind of LOCK_KINDS) {
    const path = lockPath(root, kind);
    const holder = readHolder(path);
    if (holder && holder !== 'unreadable' && holderProof(holder) === 'unproven') out.push({ holder, path });
  }
  return out;
}

/** The live Baton holding the lock of `kind` (an `integrate` under way, say), when one does. */
export function liveLockHolder(root: string, kind: LockKind): LockHolder | undefined {
  return liveHolder(root, [kind])?.holder;
}

/** The line saying a stale lock was taken over, for the command to print. */
export function describeTakeOver(lock: BatonLock): string | undefined {
  const h = lock.tookOver;
  if (!h) return undefined;
  // A live pid there is another process now (started after the lock's `since`, or at another time).
  const state = sameProcessAlive(h.pid, undefined) ? 'is another process now' : 'is no longer running';
  return `baton: took over a stale lock (${lock.path}): pid ${h.pid} (baton ${holderCommand(h)}, since ${escapeControl(String(h.since))}) ${state}\n`;
}

/**
 * Takes the command's lock and says so on `stderr` when it replaced a stale one (one call per
 * command); `as` names the command when it takes another's lock (`pick` takes `run`'s).
 */
export function lockForCommand(
  root: string,
  kind: LockKind,
  stderr: { write(s: string): void },
  as?: string,
): BatonLock {
  const lock = acquireBatonLock(root, kind, as ? { as } : {});
  const note = describeTakeOver(lock);
  if (note) stderr.write(note);
  return lock;
}
