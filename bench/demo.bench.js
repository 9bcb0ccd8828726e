// `npm run demo` end to end (baton demo --compare): total wall time and the implementation speedup it
// measures side by side (the same three scripted agents in parallel, then with -j 1). Median of runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-demo-'));
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, 'demo', '--compare', '--dir', dir], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = (performance.now() - t) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const m = /implementation speedup (\d+\.\d+)×/.exec(r.stdout);
  const seq = /parallel ([\d.]+) s · sequential ([\d.]+) s/.exec(r.stdout);
  if (r.status !== 0 || !m)
    throw new Error(`demo failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  runs.push({
    seconds,
    speedup: Number(m[1]),
    parallel_s: seq ? Number(seq[1]) : null,
    sequential_s: seq ? Number(seq[2]) : null,
  });
  console.log(`run ${i + 1}: ${seconds.toFixed(1)} s, speedup ${m[1]}×`);
}

const s = median(runs.map((r) => r.seconds));
const x = median(runs.map((r) => r.speedup));
writeResult('demo', {
  title: 'npm run demo: end-to-end time and measured implementation speedup',
  markdown: [
    '`baton demo --compare` with its defaults (three scripted agents, 8 s of work each): scaffold, lint, plan,',
    'run in parallel with checks, the same run with `-j 1` in a clone, integrate with tests after each merge,',
    'report. The speedup is the sequential run’s wall-clock over the parallel run’s, both measured in the same demo.',
    '',
    '| run | demo total | parallel run | sequential run (-j 1) | speedup |',
    '| --- | --- | --- | --- | --- |',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.seconds.toFixed(1)} s | ${r.parallel_s ?? '?'} s | ${r.sequential_s ?? '?'} s | ${r.speedup.toFixed(2)}× |`,
    ),
    `| **median** | **${s.toFixed(1)} s** | | | **${x.toFixed(2)}×** |`,
  ].join('\n'),
  data: runs,
});
