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
const { loadContracts } = await import('../dist/contracts/load.js');
const { buildPlan } = await import('../dist/graph/plan.js');
const { loadConfig } = await import('../dist/config.js');

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
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
};

const plan = JSON.parse(run(process.execPath, [bin, 'plan', '--json']));
if (plan.features.length !== N) throw new Error(`planned ${plan.features.length} features, expected ${N}`);

const cases = [
  { name: '`baton plan --json` (500 contracts)', fn: () => run(process.execPath, [bin, 'plan', '--json']) },
  {
    name: 'shell loop: `for f in specs/*/contract.md; do head -n 20 "$f"; done`',
    fn: () => run('sh', ['-c', 'for f in specs/*/contract.md; do head -n 20 "$f" >/dev/null; done']),
  },
  { name: '`git ls-files specs | wc -l`', fn: () => run('sh', ['-c', 'git ls-files specs | wc -l']) },
  { name: '`node -e 0` (node startup alone)', fn: () => run(process.execPath, ['-e', '0']) },
  { name: '`baton --version` (CLI startup alone)', fn: () => run(process.execPath, [bin, '--version']) },
  {
    name: 'in-process: read + parse 500 contracts, buildPlan',
    fn: async () => {
      const config = loadConfig(root);
      const contracts = await loadContracts(config.value);
      const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n');
      const result = buildPlan(contracts.value, { files });
      if (!result.ok) throw new Error('plan failed');
    },
  },
];

const rows = [];
for (const c of cases) {
  const times = await timeRuns(c.fn, { runs: RUNS, warmup: 1 });
  rows.push({ name: c.name, median_ms: median(times), times_ms: times });
}
const baton = rows[0].median_ms;
const markdown = [
  `${N} generated contracts (one in five in the heading form, 0–2 dependencies each, ${plan.waves.length} waves, ` +
    `${plan.integration_points.overlaps.length} overlap hotspots), ${RUNS} runs each after one warm-up; medians.`,
  '',
  '| command | median | vs `baton plan` |',
  '| --- | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${ms(r.median_ms)} | ${(r.median_ms / baton).toFixed(2)}× |`),
  '',
  `Target: under 1 s for \`baton plan\` on 500 contracts — ${baton < 1000 ? `met (${ms(baton)})` : `**missed** (${ms(baton)})`}.`,
].join('\n');

writeResult('plan', { title: '`baton plan` on 500 contracts', markdown, data: { n: N, runs: RUNS, rows } });
rmSync(join(root, '..'), { recursive: true, force: true });
process.exitCode = baton < 1000 ? 0 : 1;
