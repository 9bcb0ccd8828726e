// `baton plan --json` over 500 generated contracts, against what a user would otherwise run to survey
// the same folder (a shell loop over the contracts, git ls-files) and the bare startup cost of node.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, timeRuns, writeResult } from './harness.js';

const N = 500;
/** The port placeholder contracts write literally. */
const PORT = ['$', '{PORT}'].join('');
const RUNS = 9;
const bin = join(import.meta.dirname, '..', 'bin', 'baton.js');

// A deterministic pseudo-random sequence, so every run plans the same graph.
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

const id = (i) => `feature-${String(i + 1).padStart(3, '0')}-part${i + 1}`;
const root = join(mkdtempSync(join(tmpdir(), 'baton-bench-plan-')), 'repo');
mkdirSync(root);
const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
for (let i = 0; i < N; i++) {
  const deps = new Set();
  const count = i === 0 ? 0 : Math.floor(random() * 3);
  for (let k = 0; k < count; k++) deps.add(id(Math.max(0, i - 1 - Math.floor(random() * 20))));
  const dir = join(root, 'specs', id(i));
  mkdirSync(dir, { recursive: true });
  const owns = [`src/part${i + 1}/**`, `test/part${i + 1}/**`];
  // One feature in 25 also claims a shared file, so overlap detection has real work to report.
  if (i % 25 === 0) owns.push('src/shared/config.ts');
  const estimate = 10 + Math.floor(random() * 80);
  let text;
  if (i % 5 === 0) {
    // Every fifth contract in the heading form, as written by hand.
    text = [
      `# Feature Contract: Part ${i + 1}`,
      '## feature_id',
      id(i),
      '## owns',
      ...owns.map((o) => `- ${o}`),
      '## depends_on',
      ...(deps.size ? [...deps].map((d) => `- ${d}`) : ['- none']),
      '- Shared Logging Service',
      '## acceptance_criteria',
      `- Unit tests pass \`run: npm test -- part${i + 1}\``,
      '- p95 under 100 ms',
      `  - http: {url: "http://127.0.0.1:${PORT}/part${i + 1}", p95_ms: 100}`,
      '## estimate_minutes',
      String(estimate),
      '',
    ].join('\n');
  } else {
    text = [
      '---',
      `feature_id: ${id(i)}`,
      `title: Part ${i + 1}`,
      'provides:',
      `  api: ["GET /part${i + 1}", "POST /part${i + 1}"]`,
      `owns: ${JSON.stringify(owns)}`,
      `depends_on: ${JSON.stringify([...deps])}`,
      'acceptance_criteria:',
      `  - { id: tests, text: unit tests pass, run: "npm test -- part${i + 1}" }`,
      `  - { id: files, text: module exists, files: { exist: ["src/part${i + 1}/**"] } }`,
      `estimate_minutes: ${estimate}`,
      '---',
      `Build part ${i + 1}.`,
      '',
    ].join('\n');
  }
  writeFileSync(join(dir, 'contract.md'), text);
  mkdirSync(join(root, 'src', `part${i + 1}`), { recursive: true });
  writeFileSync(join(root, 'src', `part${i + 1}`, 'index.ts'), 'export {};\n');
}
mkdirSync(join(root, 'src', 'shared'), { recursive: true });
writeFileSync(join(root, 'src', 'shared', 'config.ts'), 'export {};\n');
git('add', '-A');
git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'contracts');

const env = { ...process.env, NO_COLOR: '1' };
const sh = (script) => {
  // bash's `times` prints the CPU time of the children: on a busy 2-core machine wall time mostly measures
  // waiting for a core, so CPU time is reported beside it.
  const r = spawnSync('bash', ['-c', `${script} >/dev/null\ntimes`], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  const [user = 0, sys = 0] = [...(r.stdout.trim().split('\n').pop() ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000,
  );
  return user + sys;
};

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const baton = `${q(process.execPath)} ${q(bin)}`;
const plan = JSON.parse(
  spawnSync(process.execPath, [bin, 'plan', '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 2 ** 26,
  }).stdout,
);
if (plan.features.length !== N) throw new Error(`planned ${plan.features.length} features, expected ${N}`);

const stateDir = join(root, '.baton');
const cases = [
  {
    name: '`baton plan --json`, cold (no `.baton/`, so no parse cache)',
    beforeEach: () => rmSync(stateDir, { recursive: true, force: true }),
    script: `${baton} plan --json`,
  },
  {
    name: '`baton plan --json`, warm (parse cache in `.baton/cache/`)',
    before: () => mkdirSync(stateDir, { recursive: true }),
    script: `${baton} plan --json`,
  },
  {
    name: 'shell loop: `for f in specs/*/contract.md; do head -n 20 "$f"; done`',
    script: 'for f in specs/*/contract.md; do head -n 20 "$f"; done',
  },
  { name: '`git ls-files specs | wc -l`', script: 'git ls-files specs | wc -l' },
  { name: '`node -e 0` (node startup alone)', script: `${q(process.execPath)} -e 0` },
  { name: '`baton --version` (CLI startup alone)', script: `${baton} --version` },
];

const rows = [];
for (const c of cases) {
  c.before?.();
  const cpu = [];
  const times = await timeRuns(
    () => {
      c.beforeEach?.();
      cpu.push(sh(c.script));
    },
    { runs: RUNS, warmup: 1 },
  );
  rows.push({ name: c.name, median_ms: median(times), cpu_ms: median(cpu.slice(1)), times_ms: times });
}
const cold = rows[0];
const warm = rows[1];
const verdict = (r) =>
  r.median_ms < 1000
    ? `met (${ms(r.median_ms)})`
    : `**missed** (${ms(r.median_ms)} wall, ${ms(r.cpu_ms)} CPU)`;
const markdown = [
  `${N} generated contracts (one in five in the heading form, 0–2 dependencies each, ${plan.waves.length} waves, ` +
    `${plan.integration_points.overlaps.length} owns overlaps), ${RUNS} runs each after one warm-up; medians. ` +
    'CPU is user + system time of the process and its children.',
  '',
  '| command | wall (median) | CPU (median) | wall vs cold `baton plan` |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${ms(r.median_ms)} | ${ms(r.cpu_ms)} | ${(r.median_ms / cold.median_ms).toFixed(2)}× |`,
  ),
  '',
  `Target: under 1 s for \`baton plan\` on 500 contracts — cold: ${verdict(cold)}; warm: ${verdict(warm)}.`,
].join('\n');

writeResult('plan', { title: '`baton plan` on 500 contracts', markdown, data: { n: N, runs: RUNS, rows } });
rmSync(join(root, '..'), { recursive: true, force: true });
