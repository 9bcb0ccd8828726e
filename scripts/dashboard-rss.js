// Prints the resident memory of `baton dashboard` once it has read a long log: a 200,000-event log of
// several runs (each a run.started, its features' starts, many agent hook events, their ends and an
// integration), as months of runs leave it; then again after as many runs more were appended while it
// stayed open. Not a benchmark and not a test: run it by hand against a build (`npm run build` first)
// to see what the dashboard holds. BATON_BIN names another build's bin/baton.js to compare with.
//
//   node scripts/dashboard-rss.js [events] [runs]
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EVENTS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 5);
const FEATURES = 20;
const BIN = process.env.BATON_BIN ?? join(import.meta.dirname, '..', 'bin', 'baton.js');

const parent = mkdtempSync(join(tmpdir(), 'baton-dashboard-rss-'));
const root = join(parent, 'repo');
mkdirSync(join(root, '.baton'), { recursive: true });
const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('config', 'user.email', 'rss@example.com');
git('config', 'user.name', 'Rss');
git('commit', '-q', '--allow-empty', '-m', 'initial');

// --- the log: RUNS runs of FEATURES features each, hook events filling each run to EVENTS / RUNS ------------
const t0 = Date.now() - 30 * 24 * 3600_000;
let k = 0;
let total = 0;
const ids = Array.from({ length: FEATURES }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}-part`);
const perRun = Math.floor(EVENTS / RUNS);

/** The lines of run number `r`: its start, its features' starts, hook events, their ends, an integration. */
function runLines(r) {
  const lines = [];
  const push = (e) => lines.push(JSON.stringify({ v: 1, ts: new Date(t0 + k++ * 1000).toISOString(), ...e }));
  const runId = `run-${r + 1}`;
  push({
    type: 'run.started',
    run_id: runId,
    feature_ids: ids,
    concurrency: 8,
    base: 'main',
    base_commit: 'x',
    mode: 'contract-first',
    pid: 1,
  });
  for (const id of ids)
    push({
      type: 'feature.started',
      run_id: runId,
      feature_id: id,
      status: 'running',
      agent: 'claude',
      branch: `baton/${id}`,
      worktree: `/w/${id}`,
      log_file: `/w/${id}.log`,
      port: 41000,
    });
  const tail = ids.length * 2 + 1 + ids.length + 2;
  for (let h = 0; lines.length < perRun - tail; h++) {
    const id = ids[h % ids.length];
    push({
      type: 'hook',
      feature_id: id,
      event: 'agent-turn-complete',
      detail: `turn ${h}: edited src/${id}/module-${h % 97}.ts and ran the tests`,
      session_id: `s-${runId}-${id}`,
    });
  }
  for (const id of ids) {
    push({
      type: 'agent.exited',
      run_id: runId,
      feature_id: id,
      exit_code: 0,
      signal: null,
      duration_ms: 60_000,
      files: [`src/${id}/index.ts`],
    });
    push({ type: 'feature.ended', run_id: runId, feature_id: id, status: 'complete' });
  }
  push({ type: 'run.ended', run_id: runId, outcome: 'complete', duration_ms: 3_600_000 });
  push({ type: 'integration.started', branch: 'baton/integration', worktree: '/i', order: ids });
  for (const id of ids)
    push({ type: 'merge.clean', feature_id: id, commit: 'c'.repeat(40), duration_ms: 1000 });
  push({ type: 'integration.ended', outcome: 'clean', duration_ms: 60_000 });
  total += lines.length;
  return `${lines.join('\n')}\n`;
}
const logPath = join(root, '.baton', 'log.jsonl');
writeFileSync(logPath, Array.from({ length: RUNS }, (_, r) => runLines(r)).join(''));

// --- the dashboard, as a user starts it, until its report covers the whole log ------------------------------
const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', '--json'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const printed = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`dashboard exited ${code}`)));
  });
  const state = () =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: printed.port,
          path: '/api/state',
          headers: { Authorization: `Bearer ${printed.token}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve(JSON.parse(body)));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const caughtUp = async () => {
    for (;;) {
      const snapshot = await state();
      if (snapshot.seq === total && snapshot.metrics.report_seq === total) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const rss = async () => {
    // Let the garbage of the reads and the report be collected before looking.
    await new Promise((r) => setTimeout(r, 3000));
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb ? `${(Number(kb) / 1024).toFixed(0)} MiB` : '?';
  };
  await caughtUp();
  console.log(`${total} events in ${RUNS} runs of ${perRun}: dashboard RSS after load: ${await rss()}`);
  // The project goes on: as many runs again, appended one by one while the dashboard stays open.
  for (let r = RUNS; r < 2 * RUNS; r++) {
    appendFileSync(logPath, runLines(r));
    await caughtUp();
  }
  console.log(`${total} events in ${2 * RUNS} runs, appended while open: dashboard RSS: ${await rss()}`);
} finally {
  child.kill();
  rmSync(parent, { recursive: true, force: true });
}
