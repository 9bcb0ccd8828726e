// Worktree creation on a generated 5,000-file repository: Baton's (`git worktree add --no-checkout` under
// the run's git lock, the checkout after it, in parallel: runner/worktree.ts `addFeatureWorktree`, as
// `baton run` calls it) for 1 and 8 features, against a shell loop of `git worktree add` for 1 and 8.
// Interleaved rounds, medians, wall and CPU (the process's own and its children's).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMutex } from '../dist/lock/mutex.js';
import { addFeatureWorktree } from '../dist/runner/worktree.js';
import { median, ms, writeResult } from './harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = Number(process.env.BENCH_FILES ?? 5000);
const DIRS = 50;
const COUNTS = [1, 8];

function makeRepo() {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-worktrees-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'src', `m${String(i % DIRS).padStart(2, '0')}`);
    if (i < DIRS) mkdirSync(dir, { recursive: true });
    // About 4 KiB of source each: 20 MiB checked out per worktree.
    const lines = Array.from(
      { length: 60 },
      (_, l) => `export const v${i}_${l} = ${l} * ${i}; // line ${l}\n`,
    );
    writeFileSync(join(dir, `f${i}.ts`), lines.join(''));
  }
  git('add', '-A');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'init');
  return { parent, root, base: git('rev-parse', 'HEAD').toString().trim() };
}

const { parent, root, base } = makeRepo();
process.on('exit', () => rmSync(parent, { recursive: true, force: true }));
const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });

/** CPU milliseconds of this process and of its waited-for children (Linux /proc; else this process only). */
function cpuNow() {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // Fields after the command name: utime stime cutime cstime are 14-17 (1-based), in clock ticks.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    // not Linux: the children's CPU is not counted
  }
  return (own.user + own.system) / 1000 + children;
}

/** Resolves once this process has no child process left (Linux /proc; elsewhere at once). */
async function childrenReaped() {
  const file = `/proc/self/task/${process.pid}/children`;
  for (let i = 0; i < 5000; i++) {
    let kids = '';
    try {
      kids = readFileSync(file, 'utf8').trim();
    } catch {
      return;
    }
    if (kids === '') return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

let serial = 0;
/** Paths and branches for `n` new worktrees (fresh names each round). */
function targets(n, kind) {
  serial++;
  return Array.from({ length: n }, (_, i) => ({
    path: join(parent, 'worktrees', `${kind}-${serial}-${i}`),
    branch: `baton/${kind}-${serial}-${i}`,
  }));
}

async function baton(n) {
  const ts = targets(n, 'baton');
  const lock = createMutex();
  const c = cpuNow();
  const t = performance.now();
  await Promise.all(ts.map((x) => addFeatureWorktree(root, { ...x, base }, lock)));
  const wall = performance.now() - t;
  // A checkout is reported when it ends, before its shell exits: its CPU is counted once the shell is
  // reaped, so the CPU figure waits for that (the wall figure does not).
  await childrenReaped();
  return { wall, cpu: cpuNow() - c, paths: ts.map((x) => x.path) };
}

function loop(n) {
  const ts = targets(n, 'loop');
  const script = 'while [ $# -gt 0 ]; do git worktree add -q -b "$1" "$2" "$3" || exit 1; shift 3; done';
  const args = ts.flatMap((x) => [x.branch, x.path, base]);
  const c = cpuNow();
  const t = performance.now();
  const r = spawnSync('sh', ['-c', script, 'sh', ...args], { cwd: root, stdio: 'pipe' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`git worktree add loop failed: ${r.stderr}`);
  return { wall, cpu: cpuNow() - c, paths: ts.map((x) => x.path) };
}

/** Both must leave a full, clean checkout; then the worktrees go (not timed). */
function checkAndRemove(paths) {
  for (const p of paths) {
    const files = execFileSync('git', ['ls-files'], { cwd: p, encoding: 'utf8', maxBuffer: 1 << 26 })
      .split('\n')
      .filter(Boolean).length;
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: p, encoding: 'utf8' });
    if (files !== FILES || dirty !== '')
      throw new Error(`${p}: ${files} files, status ${JSON.stringify(dirty)}`);
  }
  rmSync(join(parent, 'worktrees'), { recursive: true, force: true });
  git('worktree', 'prune');
}

const loadStart = loadavg()[0];
console.log(`repository: ${FILES} files; ${cpus().length} cores; load average ${loadStart.toFixed(1)}`);
const results = Object.fromEntries(
  COUNTS.flatMap((n) => [
    [`baton-${n}`, { wall: [], cpu: [] }],
    [`loop-${n}`, { wall: [], cpu: [] }],
  ]),
);
for (let round = 0; round < RUNS + 1; round++) {
  for (const n of COUNTS) {
    // Alternate which goes first, so neither always finds the page cache warmer.
    const order = round % 2 ? [loop, baton] : [baton, loop];
    for (const f of order) {
      const r = await f(n);
      checkAndRemove(r.paths);
      if (round === 0) continue; // warm-up
      const into = results[`${f === baton ? 'baton' : 'loop'}-${n}`];
      into.wall.push(r.wall);
      into.cpu.push(r.cpu);
    }
  }
}

const med = Object.fromEntries(
  Object.entries(results).map(([k, v]) => [k, { wall: median(v.wall), cpu: median(v.cpu) }]),
);
const ratio8 = med['baton-8'].wall / med['baton-1'].wall;
const bound = 8 / cpus().length;
const loadEnd = loadavg()[0];
const row = (label, k) =>
  `| ${label} | ${ms(med[k].wall)} | ${ms(med[k].cpu)} | ${(med[k].wall / med['baton-1'].wall).toFixed(2)}× |`;
writeResult('worktrees', {
  title: 'Worktree creation: 1 and 8 features on a 5,000-file repository',
  markdown: [
    `A generated repository of ${FILES.toLocaleString('en-US')} files (${DIRS} folders, about 4 KiB each). Baton makes a feature's`,
    "worktree as `baton run` does (`addFeatureWorktree`): a wave's worktrees from one shell, the branches in one `update-ref`,",
    "each `git worktree add --no-checkout` in turn under the run's git lock, and each `git read-tree -mu HEAD` outside it,",
    'started as soon as its own add ended, as many at a time as there are cores (each reported as it ends). The baseline is what a user',
    'would type: a shell loop of `git worktree add`. Each result is checked (every file there, `git status` clean).',
    'CPU is user+sys of the bench process and every git it waited for. Interleaved rounds, medians.',
    '',
    '| worktrees | median wall | median CPU | wall vs Baton, 1 worktree |',
    '| --- | --- | --- | --- |',
    row('Baton, 1', 'baton-1'),
    row('shell loop of `git worktree add`, 1', 'loop-1'),
    row('Baton, 8 at once', 'baton-8'),
    row('shell loop of `git worktree add`, 8', 'loop-8'),
    '',
    `8 worktrees take **${ratio8.toFixed(2)}×** one with Baton (target ≤ 1.5×: ${ratio8 <= 1.5 ? 'met' : 'missed'}) and`,
    `${(med['loop-8'].wall / med['loop-1'].wall).toFixed(2)}× with the loop; Baton's 8 take ${(med['baton-8'].wall / med['loop-8'].wall).toFixed(2)}× the loop's 8.`,
    `A checkout is CPU and file-system work: on ${cpus().length} cores, 8 in parallel cannot take less than about`,
    `${bound.toFixed(1)}× one (8 ÷ cores) unless one checkout leaves cores idle. Side by side, Baton's 8 checkouts took`,
    `${(med['baton-8'].cpu / med['loop-8'].cpu).toFixed(2)}× the CPU of the loop's 8 one after another: above 1, checkouts`,
    'running together contend for the file system, and parallel checkouts gain less than the cores allow.',
    `Runs: ${RUNS} per figure after one warm-up round; load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end.`,
  ].join('\n'),
  data: {
    files: FILES,
    cores: cpus().length,
    runs: results,
    medians: med,
    baton_8_over_1: ratio8,
    loadavg_start: loadStart,
    loadavg_end: loadavg(),
  },
});
