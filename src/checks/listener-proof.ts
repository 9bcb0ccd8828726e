/**
 * Who listens on a port, from Linux's /proc: a latency measured against a process the agent left
 * behind (a daemon on the feature's port) says nothing about the feature's `serve` command, so an
 * HTTP check proves the listener is one of the server's processes before it trusts the numbers.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { commandOf } from '../guard/daemons.js';
import { descendantsOf, listProcesses, type ProcessInfo } from '../guard/proc.js';
import { groupMembers } from '../process/supervise.js';

/** The socket inodes listening on `port` in /proc/net/tcp{,6} (pure, given their texts). */
export function parseListeners(tables: readonly string[], port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      // State 0A is LISTEN; the local address is HEXIP:HEXPORT.
      if (!local || f[3] !== '0A') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

function tcpTables(): string[] {
  const tables: string[] = [];
  for (const name of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      tables.push(readFileSync(name, 'utf8'));
    } catch {
      // tcp6 is absent on a kernel without IPv6; tcp alone still answers.
    }
  }
  return tables;
}

/** The inodes listening on `port`, or undefined where /proc/net/tcp cannot be read. */
export function listenersOn(port: number): Set<string> | undefined {
  const tables = tcpTables();
  return tables.length === 0 ? undefined : parseListeners(tables, port);
}

/** The first of `ports` one of `pids` listens on, if any (from /proc; none where it cannot be read). */
export function portHeldBy(pids: readonly number[], ports: readonly number[]): number | undefined {
  if (pids.length === 0) return undefined;
  const tables = tcpTables();
  const held = new Set(pids.flatMap((pid) => [...socketsOf(pid)]));
  return ports.find((port) => [...parseListeners(tables, port)].some((inode) => held.has(inode)));
}

/** The socket inodes a process holds open (`socket:[N]` links in /proc/<pid>/fd). */
function socketsOf(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) out.add(m[1]);
    } catch {
      // closed while we looked
    }
  }
  return out;
}

/** What the proof found. */
export type ListenerProof =
  | { state: 'owned' }
  | { state: 'foreign'; pids: number[] }
  | { state: 'unknown'; reason: string };

/**
 * Whether every socket listening on `port` belongs to the server started as process group `pgid`
 * (its members, or descendants of its leader that left the group). `foreign` names the processes
 * that hold the others, where they can be found.
 */
export function proveListener(port: number, pgid: number | undefined): ListenerProof {
  const listening = listenersOn(port);
  if (listening === undefined || pgid === undefined) {
    return { state: 'unknown', reason: 'no /proc to read listening sockets from' };
  }
  if (listening.size === 0) {
    return { state: 'unknown', reason: `no socket listening on port ${port} was found in /proc/net/tcp` };
  }
  const all = listProcesses();
  const own = new Set([...(groupMembers(pgid) ?? []), pgid, ...descendantsOf(pgid, all).map((p) => p.pid)]);
  const held = new Set<string>();
  for (const pid of own) for (const inode of socketsOf(pid)) held.add(inode);
  const strays = [...listening].filter((inode) => !held.has(inode));
  if (strays.length === 0) return { state: 'owned' };
  return { state: 'foreign', pids: holdersOf(strays, all, own) };
}

/** The processes of `all` (but those of `except`) holding one of the sockets `inodes`. */
function holdersOf(
  inodes: readonly string[],
  all: readonly ProcessInfo[],
  except: ReadonlySet<number> = new Set(),
): number[] {
  return all
    .filter((p) => !except.has(p.pid) && inodes.some((i) => socketsOf(p.pid).has(i)))
    .map((p) => p.pid);
}

/**
 * The processes listening on `port` with their command lines, where /proc shows them (empty when none
 * is found: only this user's processes' sockets can be read).
 */
export function portHolders(port: number): Array<{ pid: number; command: string }> {
  const listening = listenersOn(port);
  if (listening === undefined || listening.size === 0) return [];
  return holdersOf([...listening], listProcesses()).map((pid) => ({ pid, command: commandOf(pid) }));
}
