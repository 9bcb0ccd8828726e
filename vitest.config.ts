import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './test/rig/sequencer.js';

// Most test time is spent waiting on git, agents, servers and browsers in child processes, not on the
// CPU, so one worker per core (vitest's default leaves one core idle) is the sweet spot on small machines;
// BATON_TEST_WORKERS overrides it.
const workers = Number(process.env.BATON_TEST_WORKERS) || Math.max(2, availableParallelism());

// Each worker runs file after file in one process and keeps the modules it has loaded (src, the rigs,
// vitest itself) instead of starting a fresh process per file: about 0.4–0.6 s of CPU saved per file,
// a fifth of the CPU of the in-process files (measured in the suite helper's report, issue 18). The
// test files themselves are still loaded fresh, no test changes process-wide state it does not restore,
// and real processes, servers and repositories are per test as before. BATON_TEST_ISOLATE=1 gives every
// file its own process again (to rule out a leak between files when a test fails only in the suite).
const isolate = process.env.BATON_TEST_ISOLATE === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
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
