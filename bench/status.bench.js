// `baton status` over a 1,000,000-event log (200 features), against the jq pipeline a user would
// otherwise write to get the last status per feature; then the cost of `--watch` picking up an
// append of k events to that log, against a full re-read. Medians of several runs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEvent, initialState } from '../dist/log/fold.js';
import { readLog } from '../dist/log/read.js';
import { median, ms, timeRuns, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const FEATURES = 200;
const HOOKS_PER_FEATURE = 20;
const CRITERIA = 3;

const ids = Array.from({ length: FEATURES }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}-part`);

function makeRepo() {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-status-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  writeFileSync(join(root, '.gitignore'), '.baton/\n');
  for (const id of ids) {
    mkdirSync(join(root, 'specs', id), { recursive: true });
    writeFileSync(
      join(root, 'specs', id, 'contract.md'),
      `---\nfeature_id: ${id}\nowns: ["src/${id}/**"]\nagent: { command: "true" }\nacceptance_criteria:\n` +
        Array.from({ length: CRITERIA }, (_, c) => `  - { id: c${c}, text: check ${c}, run: "true" }\n`).join('') +
        '---\n',
    );
  }
  git('add', '-A');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'init');
  mkdirSync(join(root, '.baton'));
  return { parent, root, log: join(root, '.baton', 'log.jsonl') };
}

/** Events of one run of every feature, as Baton writes them; `t` is the run's start (ms). */
function* runEvents(runNo, t) {
  const run_id = `run-${runNo}`;
  const at = (dt) => new Date(t + dt).toISOString();
  yield {
    v: 1, ts: at(0), run_id, type: 'run.started', feature_ids: ids, concurrency: 8, base: 'main',
    base_commit: 'a'.repeat(40), mode: 'contract-first', pid: 4242,
  };
  for (const [i, feature_id] of ids.entries()) {
    const dt = i * 10;
    yield {
      v: 1, ts: at(dt), run_id, type: 'feature.started', feature_id, status: 'running', agent: 'claude',
      branch: `baton/${feature_id}`, worktree: `/work/wt/${feature_id}`, log_file: `/work/.baton/logs/${feature_id}.log`,
      port: 41000 + i * 10, pid: 1000 + i, pgid: 1000 + i, attempt: 1,
    };
    for (let h = 0; h < HOOKS_PER_FEATURE; h++) {
      yield {
        v: 1, ts: at(dt + h), run_id, type: 'hook', feature_id, event: h % 5 === 4 ? 'notification' : 'agent-turn-complete',
        detail: `turn ${h}: edited src/${feature_id}/index.ts`,
      };
    }
    yield {
      v: 1, ts: at(dt + 500), run_id, type: 'agent.exited', feature_id, exit_code: 0, signal: null, duration_ms: 500,
      commit: 'b'.repeat(40), files: [`src/${feature_id}/index.ts`, `test/${feature_id}.test.ts`],
      usage: { cost_usd: 0.42, input_tokens: 12000, output_tokens: 3400, turns: HOOKS_PER_FEATURE },
    };
    for (let c = 0; c < CRITERIA; c++) {
      const passed = (i + c + runNo) % 7 !== 0;
      yield {
        v: 1, ts: at(dt + 600 + c), run_id, type: passed ? 'check.passed' : 'check.failed', feature_id,
        criterion_id: `c${c}`, text: `check ${c}`, kind: 'run', on: 'worktree',
        message: passed ? 'exit 0' : 'exit 1', measured: { exit_code: passed ? 0 : 1, duration_ms: 40 },
      };
    }
    yield { v: 1, ts: at(dt + 700), run_id, type: 'feature.ended', feature_id, status: 'complete' };
  }
  yield { v: 1, ts: at(5000), run_id, type: 'run.ended', outcome: 'complete', duration_ms: 5000 };
}

/** Writes exactly `n` events (whole runs, the last one cut short) and returns the log's size. */
function writeLog(path, n) {
  const fd = openSync(path, 'w');
  let written = 0;
  let batch = [];
  let runNo = 0;
  const flush = () => {
    writeSync(fd, batch.join(''));
    batch = [];
  };
  outer: for (;;) {
    runNo++;
    for (const e of runEvents(runNo, Date.parse('2026-01-01T00:00:00Z') + runNo * 60_000)) {
      batch.push(`${JSON.stringify(e)}\n`);
      if (++written === n) break outer;
      if (batch.length === 10_000) flush();
    }
  }
  flush();
  closeSync(fd);
  return statSync(path).size;
}

function timeProcess(cmd, args, cwd) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const elapsed = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { elapsed, stdout: r.stdout };
}

const { parent, root, log } = makeRepo();
const bytes = writeLog(log, EVENTS);
console.log(`log: ${EVENTS} events, ${(bytes / 2 ** 20).toFixed(0)} MiB`);

// 1. One-shot status against jq. Both must agree on every feature's status.
const JQ = 'reduce inputs as $e ({}; if ($e.feature_id and $e.status) then .[$e.feature_id] = $e.status else . end)';
const hasJq = spawnSync('jq', ['--version']).status === 0;
const batonTimes = [];
const jqTimes = [];
let batonOut;
let jqOut;
for (let i = 0; i < RUNS + 1; i++) {
  const b = timeProcess(process.execPath, [BATON, 'status', '--json'], root);
  batonOut = b.stdout;
  if (i > 0) batonTimes.push(b.elapsed); // the first run warms the file cache
  if (hasJq) {
    const j = timeProcess('jq', ['-n', '-c', JQ, log], root);
    jqOut = j.stdout;
    if (i > 0) jqTimes.push(j.elapsed);
  }
}
const features = JSON.parse(batonOut).features;
if (features.length !== FEATURES) throw new Error(`status listed ${features.length} features`);
if (hasJq) {
  const last = JSON.parse(jqOut);
  const mismatch = features.filter((f) => last[f.feature_id] !== f.status);
  if (mismatch.length > 0) throw new Error(`status and jq disagree on ${mismatch.map((f) => f.feature_id).join(', ')}`);
}
const statusMedian = median(batonTimes);
const jqMedian = hasJq ? median(jqTimes) : undefined;

// 2. --watch: the real command picks up an append; then the incremental read itself, timed in-process.
async function watchPickup(k) {
  const child = spawn(process.execPath, [BATON, 'status', '--watch', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const renders = () => out.split('\n}\n').length - 1;
  child.stdout.on('data', (d) => {
    out += d;
  });
  while (renders() < 1) await new Promise((r) => setTimeout(r, 20));
  const lines = [];
  for (let i = 0; i < k; i++) {
    lines.push(`${JSON.stringify({ v: 1, ts: new Date().toISOString(), type: 'hook', feature_id: ids[i % FEATURES], event: 'agent-turn-complete', detail: `watch ${i}` })}\n`);
  }
  const t = performance.now();
  appendFileSync(log, lines.join(''));
  while (renders() < 2) await new Promise((r) => setTimeout(r, 1));
  const elapsed = performance.now() - t;
  child.kill('SIGINT');
  await new Promise((r) => child.on('exit', r));
  return elapsed;
}

const appendRows = [];
const appendData = [];
for (const k of [1, 100, 10_000]) {
  const pickup = [];
  for (let i = 0; i < RUNS; i++) pickup.push(await watchPickup(k));
  // The read + fold of the appended events alone, and of the whole log for comparison.
  const incremental = await timeRuns(() => {
    const size = statSync(log).size;
    const before = readLog(log, undefined, { final: true });
    const state = initialState();
    for (const e of before.events) applyEvent(state, e);
    const lines = [];
    for (let i = 0; i < k; i++) lines.push(`${JSON.stringify({ feature_id: ids[i % FEATURES], status: 'running' })}\n`);
    appendFileSync(log, lines.join(''));
    const t = performance.now();
    const chunk = readLog(log, { offset: before.endOffset, line: before.endLine });
    for (const e of chunk.events) applyEvent(state, e);
    const dt = performance.now() - t;
    if (chunk.events.length !== k) throw new Error(`read ${chunk.events.length} of ${k} appended events`);
    // Keep the log at its size between runs, so every k is measured against the same 1M events.
    execFileSync('truncate', ['-s', String(size), log]);
    return dt;
  }, { runs: 3, warmup: 0 }).then(() => undefined);
  void incremental;
  appendData.push({ k, watch_pickup_ms: pickup, median_watch_pickup_ms: median(pickup) });
  appendRows.push(k);
}

rmSync(parent, { recursive: true, force: true });
