// `baton report` on logs of 1k, 10k, 100k and 200k events, against the jq one-liner a user would otherwise
// write to get one of its numbers (the agents' summed time). Whole processes, medians of several runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLog } from '../dist/log/read.js';
import { computeReport } from '../dist/metrics/report.js';
import { median, ms, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FEATURES = 20;
const JQ = '[.[] | select(.type == "agent.exited") | .duration_ms] | add';

/** A log of whole runs: 20 features each (started, exited, 3 checks, ended), then an integration. */
function buildLog(targetEvents) {
  const lines = [];
  let t = Date.parse('2026-03-02T09:00:00Z');
  const at = () => new Date(t).toISOString();
  for (let run = 0; lines.length < targetEvents; run++) {
    const runId = `run-${run}`;
    const ids = Array.from({ length: FEATURES }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}-x`);
    const start = t;
    const push = (e) => lines.push(JSON.stringify({ v: 1, ts: at(), run_id: runId, ...e }));
    push({
      type: 'run.started',
      feature_ids: ids,
      concurrency: FEATURES,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: 1,
    });
    for (const id of ids)
      push({
        type: 'feature.started',
        feature_id: id,
        status: 'running',
        agent: 'claude',
        branch: `baton/${id}`,
        worktree: '/w',
        log_file: '/l',
        port: 41000,
      });
    for (const [i, id] of ids.entries()) {
      t += 60_000 + i * 1000;
      push({
        type: 'agent.exited',
        feature_id: id,
        exit_code: 0,
        signal: null,
        duration_ms: t - start,
        files: [`src/${id}/index.ts`],
        usage: { cost_usd: 0.5, input_tokens: 1000, output_tokens: 200 },
      });
      for (let c = 0; c < 3; c++)
        push({
          type: 'check.passed',
          feature_id: id,
          criterion_id: `c${c}`,
          text: 'ok',
          kind: 'run',
          on: 'worktree',
          message: 'exit 0',
        });
      push({ type: 'feature.ended', feature_id: id, status: 'complete' });
    }
    push({ type: 'run.ended', outcome: 'complete', duration_ms: t - start });
    push({ type: 'integration.started', branch: 'baton/integration', worktree: '/i', order: ids });
    for (const id of ids)
      push({ type: 'merge.clean', feature_id: id, commit: 'c'.repeat(40), duration_ms: 100 });
    t += 300_000;
    push({ type: 'integration.ended', outcome: 'clean', duration_ms: 300_000 });
    t += 600_000;
  }
  return `${lines.join('\n')}\n`;
}

function makeRepo(log) {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-report-')));
  const root = join(parent, 'repo');
  mkdirSync(join(root, '.baton'), { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  git('add', 'README.md');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'init');
  writeFileSync(join(root, '.baton', 'log.jsonl'), log);
  return { parent, root };
}

function time(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const rows = [];
const data = [];
// 200,000: past the ~125,000 where `Math.max(...array)` used to throw RangeError.
for (const size of [1_000, 10_000, 100_000, 200_000]) {
  const log = buildLog(size);
  const events = log.split('\n').length - 1;
  const { parent, root } = makeRepo(log);
  const logPath = join(root, '.baton', 'log.jsonl');
  const jq = () => {
    const r = spawnSync('jq', ['-s', JQ, logPath], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`jq failed: ${r.stderr}`);
  };
  const report = (format) => () => {
    const r = spawnSync(process.execPath, [BATON, 'report', '--format', format], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`baton report failed: ${r.stderr}`);
  };
  jq();
  report('json')();
  const { events: parsed } = readLog(logPath, undefined, { final: true });
  const series = { jq: [], json: [], html: [], compute: [] };
  for (let i = 0; i < RUNS; i++) {
    series.jq.push(time(jq));
    series.json.push(time(report('json')));
    series.html.push(time(report('html')));
    series.compute.push(time(() => computeReport({ events: parsed })));
  }
  rmSync(parent, { recursive: true, force: true });
  const m = {
    jq: median(series.jq),
    json: median(series.json),
    html: median(series.html),
    compute: median(series.compute),
  };
  data.push({ events, bytes: log.length, ...series, medians: m });
  rows.push(
    `| ${events.toLocaleString('en-US')} | ${(log.length / 2 ** 20).toFixed(1)} MiB | ${ms(m.jq)} | ${ms(m.json)} | ${ms(m.html)} | ${(m.json / m.jq).toFixed(1)}× | ${ms(m.compute)} |`,
  );
}

writeResult('report', {
  title: 'baton report: the whole report against a jq one-liner for one of its numbers',
  markdown: [
    'Logs of whole runs (20 features each: started, exited, three checks, ended; then an integration), read',
    'from disk by a fresh process each time. The baseline is what a user would otherwise type to get one number of',
    `the report, the agents' summed time: \`jq -s '${JQ}'\`. \`baton report\` computes the latest run's whole`,
    'report (worksheet, features, conflicts, integration ratio, Amdahl, diagnosis) and renders it, Node start-up',
    `included. The last column is \`computeReport\` alone on the parsed events, in-process (what the dashboard`,
    `recomputes on each update). Median of ${RUNS} runs each.`,
    '',
    '| events | log size | jq, one number | baton report --format json | --format html | json ÷ jq | computeReport alone |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
  data,
});
