// Orchestration cost of `baton run` against the loop a user would otherwise write by hand, side by side
// in one run, interleaved: N agents that each write one file (N = 1, 8, 32, `-j N`), against a shell loop of
// `git worktree add` + the same agent + `git add` + `git commit` per feature; then 8 agents of `sleep 2`
// at `-j 8` against the same loop with each feature in the background. Wall and CPU (user+sys of the whole
// process tree, bash's `time` at ms resolution), medians. On tmpfs (/dev/shm) when there is one, to isolate Baton's own cost.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, timeProcess, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TMP = process.env.BENCH_TMP ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};
const id = (i) => `feature-${String(i + 1).padStart(3, '0')}-work`;
const writeOne = (fid) => `mkdir -p src/${fid} && echo ${fid} > src/${fid}/a.txt`;
const sleepThenWrite = (fid) => `sleep 2 && ${writeOne(fid)}`;

/** A repository with `n` contracts whose agent is `agent(id)`. */
function makeRepo(n, agent) {
  const parent = realpathSync(mkdtempSync(join(TMP, 'baton-bench-run-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe', env: GIT_ENV });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  for (let i = 0; i < n; i++) {
    mkdirSync(join(root, 'specs', id(i)), { recursive: true });
    writeFileSync(
      join(root, 'specs', id(i), 'contract.md'),
      `---\nfeature_id: ${id(i)}\nowns: ["src/${id(i)}/**"]\nagent: { command: ${JSON.stringify(agent(id(i)))} }\n---\n`,
    );
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  return { parent, root };
}

function batonRun(n, agent) {
  const { parent, root } = makeRepo(n, agent);
  const r = timeProcess(process.execPath, [BATON, 'run', '-j', String(n), '--no-verify'], {
    cwd: root,
    env: GIT_ENV,
  });
  if (!r.stdout.includes(`${n}/${n} features complete`)) throw new Error(`baton run: ${r.stdout}`);
  rmSync(parent, { recursive: true, force: true });
  return r;
}

/** The loop by hand: worktree, agent, commit per feature; `background` runs the features at once. */
function shellLoop(n, agent, background) {
  const { parent, root } = makeRepo(n, agent);
  const one = (i) =>
    `git worktree add -q -b baton/${id(i)} ../wt/${id(i)} HEAD && (cd ../wt/${id(i)} && ${agent(id(i))} && git add -A && git commit -q -m ${id(i)})`;
  const script = background
    ? `${Array.from({ length: n }, (_, i) => `(${one(i)}) &`).join('\n')}\nwait`
    : Array.from({ length: n }, (_, i) => one(i)).join(' && ');
  const r = timeProcess('sh', ['-c', script], { cwd: root, env: GIT_ENV });
  for (let i = 0; i < n; i++)
    execFileSync('git', ['rev-parse', '--verify', `baton/${id(i)}^{commit}`], { cwd: root, stdio: 'pipe' });
  rmSync(parent, { recursive: true, force: true });
  return r;
}

function cliStart() {
  const dir = realpathSync(mkdtempSync(join(TMP, 'baton-bench-start-')));
  mkdirSync(join(dir, 'x'));
  const r = timeProcess(process.execPath, [BATON, '--help'], { cwd: join(dir, 'x'), env: GIT_ENV });
  const node = timeProcess(process.execPath, ['-e', '0'], { cwd: join(dir, 'x'), env: GIT_ENV });
  rmSync(dir, { recursive: true, force: true });
  return { baton: r, node };
}

const load0 = loadavg()[0];
console.log(`tmp: ${TMP}; load average ${load0.toFixed(1)}`);
batonRun(1, writeOne); // warm the file cache

const starts = { wall: [], cpu: [], nodeWall: [], nodeCpu: [] };
const rows = [];
const data = [];
for (const n of [1, 8, 32]) {
  const b = { wall: [], cpu: [] };
  const l = { wall: [], cpu: [] };
  for (let i = 0; i < RUNS; i++) {
    const s = cliStart();
    starts.wall.push(s.baton.wall);
    starts.cpu.push(s.baton.cpu);
    starts.nodeWall.push(s.node.wall);
    starts.nodeCpu.push(s.node.cpu);
    const loop = shellLoop(n, writeOne, false);
    l.wall.push(loop.wall);
    l.cpu.push(loop.cpu);
    const run = batonRun(n, writeOne);
    b.wall.push(run.wall);
    b.cpu.push(run.cpu);
  }
  data.push({ n, baton_wall_ms: b.wall, baton_cpu_ms: b.cpu, loop_wall_ms: l.wall, loop_cpu_ms: l.cpu });
}
const startWall = median(starts.wall);
const startCpu = median(starts.cpu);
for (const d of data) {
  const bw = median(d.baton_wall_ms);
  const bc = median(d.baton_cpu_ms);
  const lw = median(d.loop_wall_ms);
  const lc = median(d.loop_cpu_ms);
  // Per feature, Baton's one CLI start taken out: what each more feature costs against the loop.
  const perWall = (bw - startWall) / d.n / (lw / d.n);
  const perCpu = (bc - startCpu) / d.n / (lc / d.n);
  Object.assign(d, { per_feature_wall_ratio: perWall, per_feature_cpu_ratio: perCpu });
  rows.push(
    `| ${d.n} | ${ms(lw)} / ${ms(lc)} | ${ms(bw)} / ${ms(bc)} | ${(bw / lw).toFixed(2)}× | ${ms((bw - startWall) / d.n)} vs ${ms(lw / d.n)} | **${perWall.toFixed(2)}×** ${perWall <= 1.5 ? 'met' : 'missed'} | ${ms((bc - startCpu) / d.n)} vs ${ms(lc / d.n)} | **${perCpu.toFixed(2)}×** ${perCpu <= 1.5 ? 'met' : 'missed'} |`,
  );
}

// Eight agents of `sleep 2` at -j 8: the ideal wall is 2 s; efficiency = 2 s ÷ wall.
const sleepB = { wall: [], cpu: [] };
const sleepL = { wall: [], cpu: [] };
for (let i = 0; i < RUNS; i++) {
  const l = shellLoop(8, sleepThenWrite, true);
  sleepL.wall.push(l.wall);
  sleepL.cpu.push(l.cpu);
  const b = batonRun(8, sleepThenWrite);
  sleepB.wall.push(b.wall);
  sleepB.cpu.push(b.cpu);
}
/** What the load average says about the figures: only a load above the core count means other work shared them. */
function loadNote(start, end, cores) {
  const said = `Load average (1 min) ${start.toFixed(1)} at the start, ${end.toFixed(1)} at the end, on ${cores} cores`;
  return Math.max(start, end) > cores
    ? `${said}: above ${cores}, other work shared the cores and every figure grows with it, Baton’s and the loop’s alike.`
    : `${said}: at most ${cores}, the cores were not shared with other work for long.`;
}
const eff = (w) => `${((2000 / w) * 100).toFixed(1)} %`;
const sbw = median(sleepB.wall);
const slw = median(sleepL.wall);
const load1 = loadavg()[0];

writeResult('run', {
  title: 'baton run: orchestration cost against the loop by hand (worktree + agent + commit)',
  markdown: [
    `N agents that each write one file, \`baton run -j N --no-verify\` (whole process: Node start-up, contracts, a worktree`,
    'per feature, the agent in its own process group, commit, escape check, log events), against the shell loop a user',
    'would otherwise write: `git worktree add` + the same agent + `git add -A` + `git commit` per feature, one after another.',
    `Interleaved, ${RUNS} runs each, medians; CPU is user+sys of the whole process tree (bash's \`time\`, ms resolution). Temp folders on ${TMP}.`,
    `One CLI start (\`baton --help\`): ${ms(startWall)} wall / ${ms(startCpu)} CPU (\`node -e 0\`: ${ms(median(starts.nodeWall))} / ${ms(median(starts.nodeCpu))}, so \`--help\` is ${(startWall / median(starts.nodeWall)).toFixed(2)}× node's start).`,
    'Target (issue #17): per-feature cost, one CLI start taken out, ≤ 1.5× the loop, in wall and in CPU.',
    '',
    '| N | loop wall / CPU | baton wall / CPU | wall ratio | per feature (baton − start) vs loop | per-feature wall | per feature CPU (baton − start) vs loop | per-feature CPU |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Eight agents that each \`sleep 2\` and write their file, \`baton run -j 8\`, against the loop with each feature in the`,
    `background (\`&\` … \`wait\`). Efficiency = 2 s ÷ wall. Target: ≥ 90 % (the issue also writes it as wall ≤ 2.25 s, which is 88.9 %: both are judged).`,
    '',
    '| | median wall | efficiency | median CPU |',
    '| --- | --- | --- | --- |',
    `| loop, 8 in the background | ${ms(slw)} | ${eff(slw)} | ${ms(median(sleepL.cpu))} |`,
    `| \`baton run -j 8\` | ${ms(sbw)} | ${eff(sbw)} (${2000 / sbw >= 0.9 ? 'met' : 'missed'}; wall ≤ 2.25 s ${sbw <= 2250 ? 'met' : 'missed'}) | ${ms(median(sleepB.cpu))} |`,
    '',
    loadNote(load0, load1, cpus().length),
  ].join('\n'),
  data: {
    tmp: TMP,
    cli_start_wall_ms: starts.wall,
    cli_start_cpu_ms: starts.cpu,
    node_start_wall_ms: starts.nodeWall,
    node_start_cpu_ms: starts.nodeCpu,
    overhead: data,
    sleepers: {
      baton_wall_ms: sleepB.wall,
      baton_cpu_ms: sleepB.cpu,
      loop_wall_ms: sleepL.wall,
      loop_cpu_ms: sleepL.cpu,
    },
    loadavg: [load0, load1],
  },
});
