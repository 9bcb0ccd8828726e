// Orchestration overhead of `baton run` with N no-op agents, against the shell loop a user would
// otherwise write (`git worktree add` per feature), for N = 1, 8, 32. Medians of several runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function makeRepo(n) {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-run-')));
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
  return { parent, root };
}

function timeBaton(n) {
  const { parent, root } = makeRepo(n);
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, 'run', '--no-verify'], {
    cwd: root,
    stdio: 'pipe',
    encoding: 'utf8',
  });
  const elapsed = performance.now() - t;
  // No-op agents change nothing, so every feature ends `empty` and the exit code is 1 by design.
  if (r.status !== 1 || !r.stdout.includes(`0/${n} features complete`))
    throw new Error(`baton run failed: ${r.stderr}`);
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

function timeShellLoop(n) {
  const { parent, root } = makeRepo(n);
  const script = `for i in $(seq 1 ${n}); do git worktree add -q -b baton/f$i ../wt/f$i HEAD && (cd ../wt/f$i && true); done`;
  const t = performance.now();
  execFileSync('sh', ['-c', script], { cwd: root, stdio: 'pipe' });
  const elapsed = performance.now() - t;
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

// The scenario: four agents that each sleep 2 s and write their file, with -j 4.
function timeFourSleepers() {
  const { parent, root } = makeRepo(0);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  for (let i = 1; i <= 4; i++) {
    const id = `feature-00${i}-sleeper`;
    mkdirSync(join(root, 'specs', id), { recursive: true });
    writeFileSync(
      join(root, 'specs', id, 'contract.md'),
      `---\nfeature_id: ${id}\nowns: ["src/${id}/**"]\nagent: { command: "sleep 2 && mkdir -p src/${id} && echo done > src/${id}/f.txt" }\n---\n`,
    );
  }
  git('add', '-A');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'contracts');
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, 'run', '-j', '4'], {
    cwd: root,
    stdio: 'pipe',
    encoding: 'utf8',
  });
  const elapsed = performance.now() - t;
  if (r.status !== 0) throw new Error(`baton run failed: ${r.stderr}`);
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

const sleepers = [];
for (let i = 0; i < RUNS; i++) sleepers.push(timeFourSleepers());

const rows = [];
const data = [];
for (const n of [1, 8, 32]) {
  const baton = [];
  const shell = [];
  timeBaton(n); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    shell.push(timeShellLoop(n));
    baton.push(timeBaton(n));
  }
  const b = median(baton);
  const s = median(shell);
  data.push({ n, baton_ms: baton, shell_loop_ms: shell, median_baton_ms: b, median_shell_ms: s });
  rows.push(`| ${n} | ${ms(s)} | ${ms(b)} | ${ms((b - s) / n)} | ${(b / s).toFixed(1)}× |`);
}

writeResult('run', {
  title: 'baton run: orchestration overhead against a shell loop of git worktree add',
  markdown: [
    `N no-op agents (\`true\`), all at once. Baton's figure is the whole \`baton run\` process: Node start-up, contract`,
    `loading, worktree per feature, agent launch in its own process group, commit check, escape check, and the`,
    `log events. The baseline is the loop a user would otherwise write: \`git worktree add\` and a no-op per feature.`,
    `Median of ${RUNS} runs each.`,
    '',
    '| N | shell loop (median) | baton run (median) | extra per feature | ratio |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Four agents that each \`sleep 2\` and write their owned file, \`baton run -j 4\`, whole process: median`,
    `${ms(median(sleepers))} (runs: ${sleepers.map((x) => ms(x)).join(', ')}); one after another they would take 8 s.`,
  ].join('\n'),
  data: { overhead: data, four_sleepers_ms: sleepers },
});
