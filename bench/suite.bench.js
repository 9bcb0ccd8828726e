// The test suite's own time: `npm test` (pretest check, biome, tsc, build, vitest) on this machine, once
// with vitest's old defaults of one worker and a fresh process per file (the baseline: how the suite ran
// before issue 18) and once as configured now. Heavy (the whole suite twice): run it alone, `npm run bench -- suite`.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { writeResult } from './harness.js';

const ROOT = join(import.meta.dirname, '..');

function timeNpmTest(env) {
  const t = performance.now();
  const r = spawnSync('npm', ['test'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
  return { seconds: (performance.now() - t) / 1000, passed: r.status === 0 };
}

const load = loadavg()[0];
const before = timeNpmTest({ BATON_TEST_WORKERS: '1', BATON_TEST_ISOLATE: '1' });
const after = timeNpmTest({});
const fmt = (r) => `${(r.seconds / 60).toFixed(1)} min${r.passed ? '' : ' (failed)'}`;
writeResult('suite', {
  title: "The test suite's own time (`npm test`)",
  markdown: [
    '| suite | wall | ratio |',
    '| --- | --- | --- |',
    `| one vitest worker, a process per file (vitest's defaults on 2 cores; the baseline) | ${fmt(before)} | 1.00× |`,
    `| as configured: a worker per core reused across files, pure tests first then longest first, shared git template | ${fmt(after)} | ${(before.seconds / after.seconds).toFixed(2)}× faster |`,
    '',
    `Load average at the start: ${load.toFixed(1)}. Issue 18 measured 8.6 min before on the shared 2-core machine; the target is ≤ 4 min.`,
  ].join('\n'),
  data: { before, after, load },
  command: 'npm run bench -- suite',
});
