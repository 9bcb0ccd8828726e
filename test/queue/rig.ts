import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { attemptRef } from '../../src/git/refs.js';
import { eventIdOf, eventStreamKey, jobInstanceOf, QUEUE_PREFIX, queueName } from '../../src/queue/names.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/** A free TCP port on loopback, found by binding port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a free port, with its data in a temp folder. */
export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILLs it (no shutdown save). */
  kill9(): Promise<void>;
  /** Starts it again on the same port and folder (AOF replays). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPing(port: number, password?: string): Promise<void> {
  // 10 s was too short for a redis-server started under a load of 20 (a clean-clone run beside others).
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const args = ['-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), 'ping'];
      if (
        execFileSync('redis-cli', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(
          'PONG',
        )
      )
        return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on ${port} did not start`);
}

/** Starts redis-server on a free port; AOF on when asked (the crash test needs it). */
export async function startRedis(opts: { aof?: boolean; password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-redis-')));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        opts.aof ? 'yes' : 'no',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
        ...(opts.password ? ['--requirepass', opts.password] : []),
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port, opts.password);
  };
  await start();
  const dead = (p: ChildProcess | undefined) =>
    new Promise<void>((resolve) =>
      p && p.exitCode === null && p.signalCode === null ? p.once('exit', () => resolve()) : resolve(),
    );
  return {
    url: `redis://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${port}`,
    port,
    dir,
    async kill9() {
      const p = proc;
      p?.kill('SIGKILL');
      await dead(p);
    },
    restart: start,
    async stop() {
      const p = proc;
      p?.kill('SIGKILL');
      await dead(p);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A project of `n` command-agent features with a bare hub beside it. */
export interface QueuedProject {
  repo: TempRepo;
  hub: string;
  ids: string[];
  /** A folder for worker caches. */
  scratch: string;
  events(): Array<Record<string, unknown>>;
  cleanup(): void;
}

/**
 * The agent every test feature runs: writes its file (with what its environment told it: the feature's
 * variables, as a local run gives them), sleeps AGENT_SLEEP seconds (from the worker's env), then, when
 * the worker's env names an AGENT_GATE (`agentGate`), waits until the test opens it (at most 30 s).
 */
export const AGENT =
  'mkdir -p src/$BATON_FEATURE_ID && echo "$BATON_FEATURE_ID by $BATON_RUN_ID" > src/$BATON_FEATURE_ID/index.txt && ' +
  'echo "branch=$BATON_BRANCH port=$PORT base=$BATON_PORT_BASE task=$(basename "$BATON_TASK_FILE") ' +
  'log=$(basename "$BATON_LOG") cwd=$([ "$BATON_WORKTREE" -ef . ] && echo worktree)" ' +
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
  '>> src/$BATON_FEATURE_ID/index.txt && sleep ${AGENT_SLEEP:-0} && ' +
  '{ [ -z "$AGENT_GATE" ] || for i in $(seq 600); do [ -e "$AGENT_GATE" ] && break; sleep 0.05; done; }';

/**
 * A gate that holds every agent (`AGENT`) of the workers given its `env` until the test `open`s it: the
 * agents are at work for exactly as long as the test needs them to be, where a sleep would have to be
 * sized for the slowest machine.
 */
export function agentGate(p: QueuedProject): { env: { AGENT_GATE: string }; open(): void } {
  const path = join(p.scratch, 'gate');
  return { env: { AGENT_GATE: path }, open: () => writeFileSync(path, '') };
}

/** Makes the project: contracts committed, a config, and `hub.git` (bare) beside it. */
export function makeQueuedProject(
  n: number,
  opts: { agent?: string; criteria?: Array<Record<string, unknown>> } = {},
): QueuedProject {
  const ids = Array.from({ length: n }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}`);
  const repo = makeRepo({
    'README.md': '# q\n',
    'baton.config.json': JSON.stringify({ agent: { command: opts.agent ?? AGENT } }),
    ...contractFiles(
      ids.map((id) => ({
        id,
        criteria: opts.criteria ?? [{ id: 'file', text: 'file exists', run: `test -f src/${id}/index.txt` }],
      })),
    ),
  });
  const parent = join(repo.root, '..');
  const hub = join(parent, 'hub.git');
  execFileSync('git', ['init', '-q', '--bare', hub]);
  const scratch = join(parent, 'scratch');
  mkdirSync(scratch);
  return {
    repo,
    hub,
    ids,
    scratch,
    events: () =>
      (existsSync(join(repo.root, '.baton', 'log.jsonl'))
        ? readFileSync(join(repo.root, '.baton', 'log.jsonl'), 'utf8')
        : ''
      )
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    // A worker SIGKILLed as its test ends can leave a git of its own writing in its clone a moment longer
    // (ENOTEMPTY): the removal is tried again.
    cleanup: () => rmSync(parent, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }),
  };
}

/** A `baton` child process with its output collected. */
export interface BatonChild {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The queue timings of every test's `baton`, in a process of its own or in this one: short locks and readings. */
const FAST_QUEUE = {
  BATON_QUEUE_LOCK_MS: '2000',
  BATON_QUEUE_STALLED_MS: '1000',
  BATON_QUEUE_RECONCILE_MS: '500',
};

/** Spawns the built CLI (`bin/baton.js`) with fast queue timings. */
export function spawnBaton(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): BatonChild {
  const proc = spawn(process.execPath, [BATON_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...FAST_QUEUE, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  // 'exit' can come before the pipes' last output is read: wait for 'close' too, but not for a
  // grandchild that kept a pipe open (2 s at most after the exit).
  const exited = new Promise<number | null>((resolve) => {
    proc.once('close', (code) => resolve(code));
    proc.once('exit', (code) => setTimeout(() => resolve(code), 2000).unref());
  });
  return { proc, output: () => out, exited };
}

/**
 * A `baton` run in this process (`runBaton`), watched as a child is: its output (stdout and stderr as they
 * come), its exit code, and a Ctrl-C (`interrupt`).
 */
export interface InProcessBaton {
  output(): string;
  exited: Promise<number>;
  /** Does what one Ctrl-C does: every interrupt handler the command listens with is called. */
  interrupt(): void;
  /** Whether the command has returned. */
  ended(): boolean;
}

/**
 * Runs `baton <args>` in this process with fast queue timings: for the orchestrator of a test whose
 * subject is not its process (no signal but Ctrl-C, no output from outside the CLI's streams, no exit of
 * its own). A real `baton` costs 0.3–0.5 s of CPU, most of it its start.
 */
export function batonInProcess(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): InProcessBaton {
  let out = '';
  const seen = { stdout: 0, stderr: 0 };
  const take = (stream: keyof typeof seen) => (all: string) => {
    out += all.slice(seen[stream]);
    seen[stream] = all.length;
  };
  const handlers: Array<() => void> = [];
  let ended = false;
  const exited = runBaton(args, {
    cwd: opts.cwd,
    env: { ...FAST_QUEUE, ...opts.env },
    onStdout: take('stdout'),
    onStderr: take('stderr'),
    interrupt: (fire) => handlers.push(fire),
  }).then((r) => {
    ended = true;
    return r.code;
  });
  return {
    output: () => out,
    exited,
    interrupt: () => {
      for (const fire of handlers) fire();
    },
    ended: () => ended,
  };
}

/**
 * Queue timings for the workers of a test that waits for a dead or stopped worker's job to be taken
 * again: the lock lapses after 1 s and is looked for every 0.5 s (`spawnBaton`'s 2 s and 1 s otherwise).
 */
export const SHORT_LOCK = { BATON_QUEUE_LOCK_MS: '1000', BATON_QUEUE_STALLED_MS: '500' };

/** Starts a worker on the project's hub with its own cache folder. */
export function spawnWorker(
  p: QueuedProject,
  redisUrl: string,
  name: string,
  env: NodeJS.ProcessEnv = {},
  extra: string[] = [],
): BatonChild {
  return spawnBaton(
    [
      'worker',
      '--queue',
      redisUrl,
      '--hub',
      p.hub,
      '--dir',
      join(p.scratch, name),
      '--name',
      name,
      '--agents',
      'command',
      ...extra,
    ],
    { cwd: p.scratch, env },
  );
}

/** Waits until `test` holds, polling; throws with `what` after `ms`. */
export async function until(
  test: () => boolean | Promise<boolean>,
  what: string,
  ms = 60_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Stops a child (SIGKILL) and waits for it. */
export async function kill(child: BatonChild, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill(signal);
  await child.exited;
}

/** A commit on `base` holding `files` (path → one line of text) besides base's tree, made without a checkout. */
export function forgedCommit(root: string, base: string, files: Record<string, string>): string {
  const adds = Object.entries(files)
    .map(
      ([path, text]) =>
        `git update-index --add --cacheinfo "100644,$(echo ${text} | git hash-object -w --stdin),${path}"`,
    )
    .join(' && ');
  return execFileSync(
    'sh',
    [
      '-c',
      `export GIT_INDEX_FILE=$(mktemp -u) && git read-tree "$1" && ${adds} && ` +
        'git -c user.name=f -c user.email=f@f commit-tree "$(git write-tree)" -p "$1" -m forged && rm -f "$GIT_INDEX_FILE"',
      'sh',
      base,
    ],
    { cwd: root, encoding: 'utf8' },
  ).trim();
}

/**
 * A "worker" that does no work: for feature-001's job it pushes `forged` to attempt 1's ref, lets
 * `before` send what else it wants (forged lines), and says the job completed. Close it when done.
 */
export function startForger(
  redis: TestRedis,
  p: QueuedProject,
  forged: string,
  before?: (job: Job, instance: string) => Promise<void>,
): Worker {
  return new Worker(
    queueName('command', p.hub),
    async (job) => {
      const instance = jobInstanceOf(String(job.id), job.data.enqueue);
      const ref = attemptRef('feature-001', instance, 1);
      execFileSync('git', ['push', '-q', p.hub, `${forged}:${ref}`], { cwd: p.repo.root });
      await before?.(job, instance);
      return {
        status: 'complete',
        attempt_ref: ref,
        commit: forged,
        attempt: 1,
        host: 'h',
        worker: 'forger',
        files: [],
      };
    },
    { connection: { url: redis.url }, prefix: QUEUE_PREFIX },
  );
}

/**
 * A stand-in worker for feature-001's `command` jobs: pushes a real commit on the run's base (its tree
 * unchanged) to the attempt's ref, sends the
 * pass of the contract's criterion `file` on the run's event stream (a `complete` with a criterion no
 * check ran is not taken), calls `then()` (what the test does to the hub meanwhile), and reports the
 * job complete. Its `close` stops it.
 */
export function standInWorker(
  p: QueuedProject,
  redisUrl: string,
  then: () => void,
): { close: () => Promise<void> } {
  const identity = ['-c', 'user.name=t', '-c', 'user.email=t@t'];
  const commit = p.repo.git(...identity, 'commit-tree', 'HEAD^{tree}', '-p', 'HEAD', '-m', 'work');
  const events = new Redis(redisUrl);
  const w = new Worker(
    queueName('command', p.hub),
    async (job) => {
      const instance = jobInstanceOf(String(job.id), job.data.enqueue);
      const ref = attemptRef('feature-001', instance, 1);
      execFileSync('git', ['push', '-q', p.hub, `${commit}:${ref}`], { cwd: p.repo.root });
      const check = {
        v: 1,
        ts: new Date().toISOString(),
        type: 'check.passed',
        feature_id: 'feature-001',
        criterion_id: 'file',
        text: 'file exists',
        kind: 'run',
        on: 'worktree',
        message: 'exit 0',
      };
      const line = ['eid', eventIdOf(instance, 1, 1), 'line', JSON.stringify(check)];
      await events.xadd(eventStreamKey(job.data.run_id), '*', ...line);
      then();
      return {
        status: 'complete',
        attempt_ref: ref,
        commit,
        attempt: 1,
        host: 'h',
        worker: 'stand-in',
        files: [],
      };
    },
    { connection: { url: redisUrl }, prefix: QUEUE_PREFIX },
  );
  return {
    close: async () => {
      await w.close();
      events.disconnect();
    },
  };
}

/**
 * What one test starts, each stopped when that test ends (last started, first stopped), the test's own:
 * tests that use it can run at once (`describe.concurrent`), where one shared list could not.
 */
export interface QueueScope {
  /** Runs `fn` when the test ends, before what was deferred earlier. */
  defer(fn: () => Promise<void> | void): void;
  /** A redis-server of the test's own (`startRedis`). */
  redis(opts?: Parameters<typeof startRedis>[0]): Promise<TestRedis>;
  /** A project of `n` features (`makeQueuedProject`). */
  project(n: number, opts?: Parameters<typeof makeQueuedProject>[1]): QueuedProject;
  /** A `baton` child (`spawnBaton`), SIGKILLed at the end if still running. */
  baton(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): BatonChild;
  /** `baton run --queue <redis> --hub <hub> …args` in the project, SIGKILLed at the end if still running. */
  run(p: QueuedProject, redis: TestRedis, args?: string[], env?: NodeJS.ProcessEnv): BatonChild;
  /** `baton <args>` in this process (`batonInProcess`), interrupted at the end if still running. */
  here(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): InProcessBaton;
  /** `run`'s command in this process (`here`). */
  runHere(p: QueuedProject, redis: TestRedis, args?: string[], env?: NodeJS.ProcessEnv): InProcessBaton;
  /** A worker (`spawnWorker`), SIGKILLed at the end if still running. */
  worker(
    p: QueuedProject,
    redisUrl: string,
    name: string,
    env?: NodeJS.ProcessEnv,
    extra?: string[],
  ): BatonChild;
}

/** A scope whose cleanups `onTestFinished` (the test context's, for concurrent tests) runs. */
export function queueScope(onTestFinished: (fn: () => Promise<void>) => void): QueueScope {
  const cleanups: Array<() => Promise<void> | void> = [];
  onTestFinished(async () => {
    // Each runs even after one failed: a redis-server or worker left behind would outlive the suite.
    const failures: unknown[] = [];
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  });
  const child = (c: BatonChild) => {
    cleanups.push(() => kill(c));
    return c;
  };
  return {
    defer: (fn) => void cleanups.push(fn),
    async redis(opts) {
      const r = await startRedis(opts);
      cleanups.push(() => r.stop());
      return r;
    },
    project(n, opts) {
      const p = makeQueuedProject(n, opts);
      cleanups.push(() => p.cleanup());
      return p;
    },
    baton: (args, opts) => child(spawnBaton(args, opts)),
    run: (p, redis, args = [], env = {}) =>
      child(spawnBaton(['run', '--queue', redis.url, '--hub', p.hub, ...args], { cwd: p.repo.root, env })),
    here(args, opts) {
      const b = batonInProcess(args, opts);
      // A Ctrl-C detaches a queued run (its jobs stay on the queue) and ends a worker once its jobs are done.
      // Bounded: a command that does not end on it fails this cleanup, not the others after it.
      cleanups.push(async () => {
        if (b.ended()) return;
        b.interrupt();
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`in-process baton ${args.join(' ')} did not end 15 s after Ctrl-C`)),
            15_000,
          );
        });
        await Promise.race([b.exited, bound]).finally(() => clearTimeout(timer));
      });
      return b;
    },
    runHere(p, redis, args = [], env = {}) {
      return this.here(['run', '--queue', redis.url, '--hub', p.hub, ...args], { cwd: p.repo.root, env });
    },
    worker: (p, redisUrl, name, env = {}, extra = []) => child(spawnWorker(p, redisUrl, name, env, extra)),
  };
}
