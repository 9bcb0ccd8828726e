import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './test/rig/sequencer.js';

// Most test time is spent waiting on git, agents, servers and browsers in child processes, not on the
// CPU: with one worker per core the whole suite kept 2 cores only about half busy. Two workers per core
// (at most 8) took it from 354 s to 260 s on 2 cores (2,228 tests, all passing both ways; 450 s of CPU
// against 2 × 260 s available). BATON_TEST_WORKERS overrides it.
const workers =
  Number(process.env.BATON_TEST_WORKERS) || Math.min(8, Math.max(2, 2 * availableParallelism()));

// Each worker runs file after file in one process and keeps the modules it has loaded (src, the rigs,
// vitest itself) instead of starting a fresh process per file: the 73 files that test in-process took
// 49 s of CPU instead of 75 s (issue 18); the files that spawn real processes cost the same either way.
// The test files themselves are still loaded fresh, no test changes process-wide state it does not
// restore, and real processes, servers and repositories are per test as before. BATON_TEST_ISOLATE=1
// gives every file its own process again (to rule out a leak between files when a test fails only in
// the suite).
const isolate = process.env.BATON_TEST_ISOLATE === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for another process (a Baton writing its lock, a browser's page): its default
    // second failed a test under a load of 20 (takeover.test.ts). A poll that succeeds ends as soon as
    // it does, so a longer bound costs nothing when the machine is quiet.
    expect: { poll: { timeout: 20_000 } },
    // One temporary folder per run, removed at its end (test/rig/suite-tmp.ts).
    globalSetup: ['test/rig/suite-tmp.ts'],
    pool: 'forks',
    isolate,
    maxWorkers: workers,
    reporters: ['default'],
    tags: [
      {
        name: 'slow',
        description:
          'end to end: real agent CLIs, browsers, whole demos, npm installs (`// @module-tag slow` at the top of the file)',
      },
    ],
    sequence: { sequencer: SuiteSequencer },
  },
});
