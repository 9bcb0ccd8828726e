// Throughput of `baton run --queue` with two local `baton worker`s (one job at a time each) against the
// local runner with -j 2, on N no-op features (default 200): wall time, features per second, and the
// per-feature overhead of the queue (Redis, hub push/fetch, attempt refs, promotion). Medians of runs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const N = Number(process.env.BENCH_QUEUE_N ?? 200);

function makeRepo(n) {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-queue-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  for (let i = 0; i < n; i++) {
    const id = `feature-${String(i + 1).padStart(3, '0')}-noop`;
    mkdirSync(join(root, 'specs', id), { recursive: true });
    writeFileSync(
      join(root, 'specs', id, 'contract.md'),
      `---\nfeature_id: ${id}\nowns: ["src/${id}/**"]\nagent: { command: "true" }\n---\n`,
    );
  }
  git('add', '-A');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'init');
  execFileSync('git', ['init', '-q', '--bare', join(parent, 'hub.git')]);
  return { parent, root, hub: join(parent, 'hub.git') };
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function timeLocal(n) {
  const { parent, root } = makeRepo(n);
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, 'run', '--no-verify', '-j', '2'], {
    cwd: root,
    encoding: 'utf8',
  });
  const elapsed = performance.now() - t;
  // No-op agents change nothing: every feature ends `empty`, exit 1 by design.
  if (!r.stdout.includes(`0/${n} features complete`)) throw new Error(`baton run failed: ${r.stderr}`);
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

async function timeQueued(n) {
  const { parent, root, hub } = makeRepo(n);
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', parent],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const workers = ['w1', 'w2'].map((name) =>
    spawn(
      process.execPath,
      [
        BATON,
        'worker',
        '--queue',
        url,
        '--hub',
        hub,
        '--dir',
        join(parent, name),
        '--name',
        name,
        '--agents',
        'command',
      ],
      { stdio: 'ignore' },
    ),
  );
  await new Promise((r) => setTimeout(r, 3000));
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, 'run', '--no-verify', '--queue', url, '--hub', hub], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BATON_QUEUE_RECONCILE_MS: '1000' },
  });
  const elapsed = performance.now() - t;
  for (const w of workers) w.kill('SIGKILL');
  redis.kill('SIGKILL');
  if (!r.stdout.includes(`0/${n} features complete`))
    throw new Error(`baton run --queue failed: ${r.stdout}${r.stderr}`);
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

const local = [];
const queued = [];
for (let i = 0; i < RUNS; i++) {
  local.push(timeLocal(N));
  queued.push(await timeQueued(N));
}
const l = median(local);
const q = median(queued);
const load = (await import('node:os')).loadavg()[0].toFixed(1);
writeResult('queue', {
  title: 'Distributed run: 2 local workers vs the local runner',
  command: 'npm run bench -- queue',
  data: { features: N, runs: RUNS, local_ms: local, queued_ms: queued, load_average: Number(load) },
  markdown: [
    `${N} no-op features (agent \`true\`, checks off): \`baton run -j 2\` against \`baton run --queue\` with two`,
    '`baton worker`s on the same machine (one job at a time each), a Redis of its own and a bare hub repo.',
    '',
    '| runner | wall time | features / s | per feature |',
    '| --- | --- | --- | --- |',
    `| local, -j 2 | ${ms(l)} | ${(N / (l / 1000)).toFixed(1)} | ${ms(l / N)} |`,
    `| queue, 2 workers | ${ms(q)} | ${(N / (q / 1000)).toFixed(1)} | ${ms(q / N)} |`,
    '',
    `The queue costs ${ms(Math.max(0, q - l) / N)} more per feature (${(q / l).toFixed(2)}× the local wall time): a`,
    "job fetch, the base fetch and a worktree in the cached clone, the attempt push, the orchestrator's fetch and",
    'compare-and-swap, and the events through a Redis stream. On agents that run for minutes this is noise; its',
    `gain is running them on other machines. Runs: ${RUNS} (medians); load average ${load} at the end.`,
  ].join('\n'),
});
