// Dashboard: first page load with 200 features and a 100,000-event log, and how fast a stream of 100
// events/s reaches an SSE client and the page. Baselines: what a user would otherwise do to follow the run —
// re-read and fold the whole log on every poll, or poll `baton status --json`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine } from '../dist/log/append.js';
import { foldEvents } from '../dist/log/fold.js';
import { readLog } from '../dist/log/read.js';
import { CHROMIUM_ARGS, chromiumPath } from '../test/rig/chromium.js';
import { median, ms, timeRuns, writeResult } from './harness.js';

const FEATURES = 200;
const EVENTS = 100_000;
const RATE = 100; // events per second
const SECONDS = 5;
const BIN = join(import.meta.dirname, '..', 'bin', 'baton.js');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// --- a project with 200 contracts in 5 waves, and a log of 100,000 events -------------------------------
const parent = mkdtempSync(join(tmpdir(), 'baton-bench-dash-'));
const root = join(parent, 'repo');
mkdirSync(root);
const ids = Array.from({ length: FEATURES }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}-part`);
for (const [i, id] of ids.entries()) {
  const deps = i >= 40 ? [ids[i - 40], ...(i % 3 === 0 && i >= 41 ? [ids[i - 41]] : [])] : [];
  mkdirSync(join(root, 'specs', id), { recursive: true });
  writeFileSync(
    join(root, 'specs', id, 'contract.md'),
    `---\nfeature_id: ${id}\ntitle: Part ${i + 1}\nowns: ["src/${id}/**"]\ndepends_on:\n  features: [${deps.join(', ')}]\n` +
      `acceptance_criteria:\n  - id: tests\n    text: Tests pass\n    run: "true"\n  - id: types\n    text: Types check\n    run: "true"\n` +
      `estimate_minutes: ${20 + (i % 7) * 10}\n---\nBuild part ${i + 1}.\n`,
  );
}
const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('config', 'user.email', 'bench@example.com');
git('config', 'user.name', 'Bench');
git('config', 'gc.auto', '0');
git('add', '-A');
git('commit', '-q', '-m', 'contracts');

const logPath = join(root, '.baton', 'log.jsonl');
mkdirSync(join(root, '.baton'), { recursive: true });
const t0 = Date.now() - 3 * 3600_000;
const iso = (k) => new Date(t0 + k * 50).toISOString();
const lines = [];
let k = 0;
const push = (e) => lines.push(JSON.stringify({ v: 1, ts: iso(k++), ...e }));
push({
  type: 'run.started',
  run_id: 'bench',
  feature_ids: ids,
  concurrency: 8,
  base: 'main',
  base_commit: 'x',
  mode: 'contract-first',
  pid: 1,
});
// Per feature: start, many agent turns (hooks), checks, exit, end; the last 20 are still running.
const perFeature = Math.floor((EVENTS - 1) / FEATURES);
for (const [i, id] of ids.entries()) {
  const running = i >= FEATURES - 20;
  push({
    type: 'worktree.created',
    feature_id: id,
    path: `/w/${id}`,
    branch: `baton/${id}`,
    base_commit: 'x',
    reused: false,
  });
  push({
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: 'claude',
    branch: `baton/${id}`,
    worktree: `/w/${id}`,
    log_file: `.baton/logs/${id}.log`,
    port: 41000 + i * 10,
  });
  const tail = running ? 0 : 5;
  for (let j = 0; j < perFeature - 2 - tail; j++) {
    push({
      type: 'hook',
      feature_id: id,
      event: 'agent-turn-complete',
      detail: `turn ${j}: edited src/${id}/file-${j % 9}.ts`,
    });
  }
  if (!running) {
    push({
      type: 'agent.exited',
      feature_id: id,
      exit_code: 0,
      signal: null,
      duration_ms: 600_000,
      files: [`src/${id}/a.ts`],
    });
    for (const c of ['tests', 'types']) {
      push({
        type: 'check.passed',
        feature_id: id,
        criterion_id: c,
        text: c,
        kind: 'run',
        on: 'worktree',
        message: 'exit 0',
      });
    }
    push({ type: 'hook', feature_id: id, event: 'stop', status: 'complete' });
    push({ type: 'feature.ended', feature_id: id, status: 'complete' });
  }
}
while (lines.length < EVENTS) push({ type: 'hook', feature_id: ids[FEATURES - 1], event: 'notification' });
writeFileSync(logPath, `${lines.join('\n')}\n`);
const logBytes = statSync(logPath).size;
console.log(`log: ${lines.length} events, ${(logBytes / 2 ** 20).toFixed(1)} MiB`);

// --- baselines ------------------------------------------------------------------------------------------
const refold = await timeRuns(
  () => {
    const chunk = readLog(logPath, { offset: 0, line: 0 }, { final: true });
    foldEvents(chunk.events);
  },
  { runs: 5, warmup: 1 },
);
const statusPoll = await timeRuns(
  () => {
    const r = spawnSync(process.execPath, [BIN, 'status', '--json'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`baton status failed: ${r.stderr}`);
  },
  { runs: 3, warmup: 1 },
);

// --- the dashboard, as a user starts it ---------------------------------------------------------------
const startedAt = performance.now();
const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', '--json'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const printed = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  });
  child.on('exit', (code) => reject(new Error(`dashboard exited ${code}`)));
});
const startup = performance.now() - startedAt;
const auth = { Authorization: `Bearer ${printed.token}` };
const rss = () => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: printed.port, path, headers: auth }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(chunks).length }));
    });
    req.on('error', reject);
    req.end();
  });
}

let stateBytes = 0;
const httpLoad = await timeRuns(
  async () => {
    const page = await get('/');
    const state = await get('/api/state');
    if (page.status !== 200 || state.status !== 200) throw new Error('page or state failed');
    stateBytes = state.bytes;
  },
  { runs: 10, warmup: 2 },
);

// --- first page load in Chromium: navigation until 200 cards, the timeline and the graph are drawn -------
let browser;
let browserLoad;
let pageCatchUp;
// The browser tests' lookup ($CHROMIUM_PATH, else `chromium` on PATH); without one, the HTTP figures stand alone.
let chromiumFile;
let noChromium;
try {
  chromiumFile = chromiumPath();
} catch (err) {
  noChromium = err instanceof Error ? err.message : String(err);
}
if (chromiumFile) {
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumFile, args: CHROMIUM_ARGS });
  // Two views of one load: the page's own clock (navigation start → snapshot drawn and charts drawn, from
  // performance marks the page sets) and the harness's wall clock around goto (adds the CDP round trips).
  browserLoad = [];
  for (let i = 0; i < 6; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const t = performance.now();
    await page.goto(printed.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#graph svg');
    const wall = performance.now() - t;
    const marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
    );
    const cards = await page.locator('li[data-feature]').count();
    if (cards !== FEATURES) throw new Error(`expected ${FEATURES} cards, saw ${cards}`);
    await context.close();
    // The first load warms Chromium's caches and the server's JIT; it is not counted.
    if (i > 0)
      browserLoad.push({ wall, board: marks['baton:snapshot-drawn'], charts: marks['baton:charts-drawn'] });
  }
} else {
  console.log(`${noChromium}: the page load is measured over HTTP only`);
}

// --- the stream: 100 events/s for 5 s, latency from append to arrival at an SSE client -------------------
const sent = new Map();
const latencies = [];
let lastSeq = 0;
const sse = request({ host: '127.0.0.1', port: printed.port, path: '/api/events', headers: auth });
await new Promise((resolve, reject) => {
  sse.on('response', (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk) => {
      const now = performance.now();
      buf += chunk;
      let end = buf.indexOf('\n\n');
      while (end !== -1) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        end = buf.indexOf('\n\n');
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (!data) continue;
        const msg = JSON.parse(data);
        if (msg.type === 'snapshot') resolve();
        lastSeq = msg.seq;
        for (const { event } of msg.events ?? []) {
          const at = sent.get(event.detail);
          if (at !== undefined) {
            latencies.push(now - at);
            sent.delete(event.detail);
          }
        }
      }
    });
  });
  sse.on('error', reject);
  sse.end();
});

let page;
if (browser) {
  page = await browser.newPage();
  await page.goto(printed.url);
  await page.waitForSelector('body[data-ready="true"]');
}
const total = RATE * SECONDS;
await new Promise((resolve) => {
  let i = 0;
  const startT = performance.now();
  const tick = () => {
    // Paced against the clock, so timer drift does not lower the rate.
    const due = Math.min(total, Math.floor(((performance.now() - startT) / 1000) * RATE) + 1);
    while (i < due) {
      const detail = `bench-${i}`;
      const id = ids[FEATURES - 20 + (i % 20)];
      appendLine(logPath, {
        v: 1,
        ts: new Date().toISOString(),
        type: 'hook',
        feature_id: id,
        event: 'agent-turn-complete',
        detail,
      });
      sent.set(detail, performance.now());
      i++;
    }
    if (i < total) setTimeout(tick, 5);
    else resolve();
  };
  tick();
});
const lastAppend = performance.now();
const finalSeq = EVENTS + total;
const deadline = Date.now() + 5000;
while ((sent.size > 0 || lastSeq < finalSeq) && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 10));
if (page) {
  await page.waitForFunction((seq) => Number(document.body.dataset.seq) >= seq, finalSeq, { timeout: 5000 });
  pageCatchUp = performance.now() - lastAppend;
}
const memory = rss();
sse.destroy();
await browser?.close();
child.kill('SIGINT');
await new Promise((r) => child.on('exit', r));
rmSync(parent, { recursive: true, force: true });

// --- results --------------------------------------------------------------------------------------------
const delivered = latencies.length;
const p50 = pct(latencies, 50);
const p95 = pct(latencies, 95);
const max = Math.max(...latencies);
const pollAvg = 500 + median(refold); // a 1 s poll that re-reads the log: half a period on average, plus the read
const data = {
  features: FEATURES,
  events: lines.length,
  log_bytes: logBytes,
  startup_ms: startup,
  http_first_load_ms: { median: median(httpLoad), runs: httpLoad },
  state_bytes: stateBytes,
  browser_first_load_ms: browserLoad
    ? {
        board_median: median(browserLoad.map((r) => r.board)),
        all_drawn_median: median(browserLoad.map((r) => r.charts)),
        harness_wall_median: median(browserLoad.map((r) => r.wall)),
        runs: browserLoad,
      }
    : null,
  stream: {
    rate_per_s: RATE,
    seconds: SECONDS,
    sent: total,
    delivered,
    p50_ms: p50,
    p95_ms: p95,
    max_ms: max,
  },
  page_caught_up_ms_after_last_append: pageCatchUp ?? null,
  server_rss_mib: memory ?? null,
  baseline_full_refold_ms: { median: median(refold), runs: refold },
  baseline_status_poll_ms: { median: median(statusPoll), runs: statusPoll },
};
const markdown = `${FEATURES} features, a ${lines.length.toLocaleString('en')}-event log (${(logBytes / 2 ** 20).toFixed(1)} MiB); \`baton dashboard\` run as a child process.

| measure | dashboard | baseline |
| --- | --- | --- |
| first page load in Chromium, page clock: navigation start → 200 cards drawn / → timeline and graph drawn too (median of ${browserLoad?.length ?? 0}) | ${browserLoad ? `${ms(median(browserLoad.map((r) => r.board)))} / ${ms(median(browserLoad.map((r) => r.charts)))}` : 'n/a (no Chromium)'} | — |
| the same load on the harness's clock (\`page.goto\` → graph in the DOM, CDP round trips included) | ${browserLoad ? ms(median(browserLoad.map((r) => r.wall))) : 'n/a'} | — |
| first page load, HTTP (\`GET /\` + \`GET /api/state\`, ${(stateBytes / 1024).toFixed(0)} KiB), median of ${httpLoad.length} | ${ms(median(httpLoad))} | one full re-read + fold of the log: ${ms(median(refold))} |
| start-up (fold the whole log once, load 200 contracts, listen) | ${ms(startup)} | \`baton status --json\` once: ${ms(median(statusPoll))} |
| stream at ${RATE} events/s for ${SECONDS} s: delivered to an SSE client | ${delivered}/${total} | — |
| latency append → SSE client, p50 / p95 / max | ${ms(p50)} / ${ms(p95)} / ${ms(max)} | polling every 1 s with a full re-read: ≈ ${ms(pollAvg)} on average, ${ms(1000 + median(refold))} worst |
| page caught up after the last append | ${pageCatchUp === undefined ? 'n/a' : ms(pageCatchUp)} | — |
| dashboard memory (RSS) at the end | ${memory ? `${memory.toFixed(0)} MiB` : 'n/a'} | — |

The dashboard folds the log once at start, then reads only appended bytes (fs.watch on \`.baton/\`, a 250 ms stat as
fallback) and sends each client the changed features' state; a page load never re-reads the log. A user without it
re-reads and folds the whole log on every poll (${ms(median(refold))} each here), or runs \`baton status\` in a loop
(${ms(median(statusPoll))} each, process start included).`;

writeResult('dashboard', { title: 'Dashboard: first load and live stream', markdown, data });
if (delivered < total) process.exitCode = 1;
