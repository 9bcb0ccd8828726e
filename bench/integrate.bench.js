// Conflict prediction over 40 feature branches (780 pairs): Baton's prefiltered predictConflicts
// against what a user would otherwise run, `git merge-tree --write-tree` on every pair in a shell
// loop. Both must find the same conflicting pairs.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { predictConflicts } from '../dist/integrate/predict.js';
import { median, ms, timeRuns, writeResult } from './harness.js';

const BRANCHES = 40;
const BASE_FILES = 200;
const RUNS = 5;
const CONFLICTING = [
  [3, 17],
  [8, 29],
  [22, 35],
];
// Pairs that edit one file in different regions: they overlap but merge cleanly.
const HARMLESS = [
  [1, 2],
  [12, 13],
  [30, 31],
  [30, 39],
];

const root = mkdtempSync(join(tmpdir(), 'baton-bench-integrate-'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = (...args) => execFileSync('git', args, { cwd: root, env, encoding: 'utf8' }).trim();
const write = (path, text) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
const text = (n, edits = {}) =>
  `${Array.from({ length: n }, (_, i) => edits[i + 1] ?? `line ${i + 1} of a shared module`).join('\n')}\n`;
const id = (i) => `feature-${String(i).padStart(2, '0')}-part`;

function buildRepo() {
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  for (let f = 0; f < BASE_FILES; f++) write(`src/mod-${String(f).padStart(3, '0')}.ts`, text(40));
  for (let s = 0; s < CONFLICTING.length; s++) write(`src/shared-${s}.ts`, text(60));
  for (let h = 0; h < HARMLESS.length; h++) write(`src/registry-${h}.ts`, text(80));
  // The contracts, for \`baton integrate --predict-only\` (the library calls below take them as values).
  for (let i = 0; i < BRANCHES; i++) {
    write(
      `specs/${id(i)}/contract.md`,
      `---\nfeature_id: ${id(i)}\nowns: ["src/${id(i)}/**"]\nagent: { command: "true" }\n---\n`,
    );
  }
  write('.gitignore', '.baton/\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  for (let i = 0; i < BRANCHES; i++) {
    git('checkout', '-q', '-b', `baton/${id(i)}`, 'main');
    // Each feature edits its own slice of the base and adds its own folder.
    for (let k = 0; k < 4; k++) {
      const f = (i * 5 + k) % BASE_FILES;
      write(`src/mod-${String(f).padStart(3, '0')}.ts`, text(40, { [10 + k]: `edited by ${id(i)}` }));
    }
    write(`src/${id(i)}/index.ts`, `export const name = '${id(i)}';\n`);
    CONFLICTING.forEach(([a, b], s) => {
      if (i === a || i === b) write(`src/shared-${s}.ts`, text(60, { 20: `${id(i)} wants this line` }));
    });
    HARMLESS.forEach(([a, b], h) => {
      if (i === a) write(`src/registry-${h}.ts`, text(80, { 5: `${id(i)} registered` }));
      if (i === b) write(`src/registry-${h}.ts`, text(80, { 70: `${id(i)} registered` }));
    });
    git('add', '-A');
    git('commit', '-q', '-m', `${id(i)}: work`);
  }
  git('checkout', '-q', 'main');
}

const contracts = Array.from({ length: BRANCHES }, (_, i) => ({
  feature_id: id(i),
  title: id(i),
  provides: {},
  owns: [`src/${id(i)}/**`],
  depends_on: { features: [], services: [] },
  acceptance_criteria: [],
  body: '',
  file: `specs/${id(i)}/contract.md`,
}));
const branches = contracts.map((c) => ({ feature_id: c.feature_id, branch: `baton/${c.feature_id}` }));

// The baseline: every pair through `git merge-tree`, one after another, the way a shell loop does it.
const LOOP = `
set -u
set -- $(git for-each-ref --format='%(refname:short)' 'refs/heads/baton/feature-*')
while [ $# -gt 1 ]; do
  a=$1
  shift
  for b in "$@"; do
    git merge-tree --write-tree --name-only --no-messages "$a" "$b" > /dev/null
    [ $? -eq 1 ] && echo "$a $b"
  done
done
exit 0
`;
function baselineLoop() {
  const r = spawnSync('sh', ['-c', LOOP], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`baseline loop failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      l
        .replace(/baton\//g, '')
        .split(' ')
        .sort()
        .join(' × '),
    )
    .sort();
}
const pairsOf = (prediction) => prediction.conflicts.map((c) => [c.a, c.b].sort().join(' × ')).sort();

try {
  const t0 = performance.now();
  buildRepo();
  console.log(
    `repo with ${BASE_FILES} files and ${BRANCHES} branches built in ${ms(performance.now() - t0)}`,
  );
  const expected = CONFLICTING.map(([a, b]) => `${id(a)} × ${id(b)}`).sort();

  let baselinePairs = [];
  const baseline = await timeRuns(
    () => {
      baselinePairs = baselineLoop();
    },
    { runs: RUNS, warmup: 1 },
  );
  let last;
  const predict = async (concurrency) => {
    last = await predictConflicts({ cwd: root, base: 'main', branches, contracts, concurrency });
  };
  const prefiltered = await timeRuns(() => predict(4), { runs: RUNS, warmup: 1 });
  const prefilteredPairs = pairsOf(last);
  const merged = last.merge_tested;
  const overlaps = last.clean_overlaps.length;
  const prefilteredSerial = await timeRuns(() => predict(1), { runs: RUNS, warmup: 1 });
  const serialPairs = pairsOf(last);
  // The loop made parallel: every pair through merge-tree, 4 at a time, to separate the prefilter's
  // gain from parallelism's.
  const exhaustive = await timeRuns(
    async () => {
      last = await predictConflicts({
        cwd: root,
        base: 'main',
        branches,
        contracts,
        concurrency: 4,
        exhaustive: true,
      });
    },
    { runs: RUNS, warmup: 1 },
  );
  const exhaustivePairs = pairsOf(last);

  for (const [name, got] of [
    ['baseline loop', baselinePairs],
    ['prefiltered', prefilteredPairs],
    ['prefiltered (1 process)', serialPairs],
    ['every pair, 4 at a time', exhaustivePairs],
  ]) {
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`${name} found ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    }
  }

  // The CLI with a 1,000,000-event log present, against the same command with a log of the last run only.
  const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
  const logPath = join(root, '.baton', 'log.jsonl');
  const cacheDir = join(root, '.baton', 'cache');
  mkdirSync(dirname(logPath), { recursive: true });
  const ids = Array.from({ length: BRANCHES }, (_, i) => id(i));
  const lastRun = [
    {
      v: 1,
      ts: '2026-01-02T00:00:00Z',
      run_id: 'run-last',
      type: 'run.started',
      feature_ids: ids,
      concurrency: 8,
      base: 'main',
      base_commit: 'a'.repeat(40),
      mode: 'contract-first',
      pid: 1,
    },
    // Each feature's one worktree criterion (its owns) passed on its branch's tip, as a run records it.
    ...ids.map((f) => ({
      v: 1,
      ts: '2026-01-02T00:00:30Z',
      run_id: 'run-last',
      type: 'check.passed',
      feature_id: f,
      criterion_id: 'owns',
      text: 'changes stay inside owns',
      kind: 'files',
      on: 'worktree',
      message: 'no change outside owns',
      commit: execFileSync('git', ['rev-parse', `baton/${f}`], { cwd: root, encoding: 'utf8' }).trim(),
    })),
    ...ids.map((f) => ({
      v: 1,
      ts: '2026-01-02T00:01:00Z',
      run_id: 'run-last',
      type: 'feature.ended',
      feature_id: f,
      status: 'complete',
    })),
  ].map((e) => `${JSON.stringify(e)}\n`);
  const writeLog = (events) => {
    const fd = openSync(logPath, 'w');
    let batch = [];
    for (let n = 0; n < events; n++) {
      const f = ids[n % BRANCHES];
      batch.push(
        `${JSON.stringify(n % 25 === 0 ? { v: 1, ts: '2026-01-01T00:00:00Z', run_id: 'run-old', type: 'feature.ended', feature_id: f, status: 'failed' } : { v: 1, ts: '2026-01-01T00:00:00Z', run_id: 'run-old', type: 'hook', feature_id: f, event: 'agent-turn-complete', detail: `turn ${n}: edited src/${f}/index.ts` })}\n`,
      );
      if (batch.length === 10_000) {
        writeSync(fd, batch.join(''));
        batch = [];
      }
    }
    writeSync(fd, [...batch, ...lastRun].join(''));
    closeSync(fd);
    return statSync(logPath).size;
  };
  const cliPredict = (cold) => {
    if (cold) rmSync(cacheDir, { recursive: true, force: true });
    const t = performance.now();
    const r = spawnSync(process.execPath, [BATON, 'integrate', '--predict-only', '--json'], {
      cwd: root,
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const elapsed = performance.now() - t;
    const found = JSON.parse(r.stdout).prediction?.conflicts?.length;
    if (found !== CONFLICTING.length)
      throw new Error(`integrate --predict-only: ${r.stdout.slice(0, 400)} ${r.stderr}`);
    return elapsed;
  };
  const cli = {};
  for (const [name, events] of [
    ['small', 0],
    ['big', Number(process.env.BENCH_EVENTS ?? 1_000_000)],
  ]) {
    const bytes = writeLog(events);
    cliPredict(true); // warm the file cache
    const cold = [];
    const warm = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(cliPredict(true));
      // `baton status` leaves the fold snapshot in .baton/cache/ (not timed); integrate may take it.
      spawnSync(process.execPath, [BATON, 'status', '--json'], { cwd: root, env, stdio: 'ignore' });
      warm.push(cliPredict(false));
    }
    cli[name] = { events: events + lastRun.length, bytes, cold_ms: cold, warm_ms: warm };
  }
  const cliRatio = (k) => median(cli.big[k]) / median(cli.small[k]);

  const mBase = median(baseline);
  const mPre = median(prefiltered);
  const mSerial = median(prefilteredSerial);
  const markdown = [
    `${BRANCHES} feature branches over a base of ${BASE_FILES} files: ${(BRANCHES * (BRANCHES - 1)) / 2} pairs, ${CONFLICTING.length} truly conflicting (same lines of one file), ${HARMLESS.length} harmless overlaps (same file, different regions). Median of ${RUNS} runs after one warm-up.`,
    '',
    '| method | git processes | median | runs | conflicting pairs found |',
    '| --- | ---: | ---: | --- | --- |',
    `| \`git merge-tree --write-tree\` on every pair (shell loop) | ${(BRANCHES * (BRANCHES - 1)) / 2} | ${ms(mBase)} | ${baseline.map(ms).join(', ')} | ${baselinePairs.length} |`,
    `| \`git merge-tree --write-tree\` on every pair through Baton's git wrapper (Node), 4 at a time | ${(BRANCHES * (BRANCHES - 1)) / 2 + 1} | ${ms(median(exhaustive))} | ${exhaustive.map(ms).join(', ')} | ${exhaustivePairs.length} |`,
    `| Baton \`predictConflicts\`, prefilter, 4 git processes at once (default) | ${4 + merged} | ${ms(mPre)} | ${prefiltered.map(ms).join(', ')} | ${prefilteredPairs.length} |`,
    `| Baton \`predictConflicts\`, prefilter, 1 git process at a time | ${4 + merged} | ${ms(mSerial)} | ${prefilteredSerial.map(ms).join(', ')} | ${serialPairs.length} |`,
    '',
    `The prefilter reads each branch's changed files once (three git calls for all of them, plus one to resolve the base), intersects the sets, and runs \`git merge-tree\` only on the ${merged} pairs that share a file; it also reports the ${overlaps} harmless overlaps. Same conflicting pairs as the exhaustive loop: ${expected.join(', ')}.`,
    '',
    `**Speedup: ${(mBase / mPre).toFixed(1)}× with the default concurrency, ${(mBase / mSerial).toFixed(1)}× from the prefilter alone (one git process at a time, like the loop).**`,
    '',
    `\`baton integrate --predict-only --json\` (whole process) with a log of ${cli.big.events.toLocaleString('en-US')} events (${(cli.big.bytes / 2 ** 20).toFixed(0)} MiB, the last run at its end), against the same command with a log of the last run alone (${cli.small.events} events). The selection needs the status of every feature with a branch, across runs: the command reads the log backwards to where each of them last started over (the last fresh \`run.started\` listing it: a hook's request for input can come before its \`feature.started\`; here the last run's start, ${lastRun.length} events from the end) and folds forward from there, or takes the fold snapshot a \`baton status\` left in \`.baton/cache/\` when fewer bytes were appended since it than the backward search would read. Median of ${RUNS} runs, interleaved.`,
    '',
    '| log | no snapshot (read from the end) | with the snapshot `baton status` left |',
    '| --- | ---: | ---: |',
    `| last run only (${cli.small.events} events) | ${ms(median(cli.small.cold_ms))} | ${ms(median(cli.small.warm_ms))} |`,
    `| ${cli.big.events.toLocaleString('en-US')} events | ${ms(median(cli.big.cold_ms))} | ${ms(median(cli.big.warm_ms))} |`,
    `| ratio (target ≤ 1.2×) | ${cliRatio('cold_ms').toFixed(2)}× ${cliRatio('cold_ms') <= 1.2 ? 'met' : 'missed'} | ${cliRatio('warm_ms').toFixed(2)}× ${cliRatio('warm_ms') <= 1.2 ? 'met' : 'missed'} |`,
  ].join('\n');
  writeResult('integrate', {
    title: 'Conflict prediction: prefilter vs merge-tree on every pair',
    markdown,
    data: {
      branches: BRANCHES,
      pairs: (BRANCHES * (BRANCHES - 1)) / 2,
      conflicting: expected,
      merge_tested: merged,
      clean_overlaps: overlaps,
      baseline_ms: baseline,
      prefiltered_ms: prefiltered,
      prefiltered_serial_ms: prefilteredSerial,
      exhaustive_parallel_ms: exhaustive,
      speedup: mBase / mPre,
      speedup_serial: mBase / mSerial,
      cli_predict_only: cli,
    },
  });
  if (Math.min(mBase / mPre, mBase / mSerial) < 5) {
    console.error(
      `the prefilter is only ${Math.min(mBase / mPre, mBase / mSerial).toFixed(1)}× faster; the goal is 5×`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
