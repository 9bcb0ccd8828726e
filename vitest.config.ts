import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SuiteSequencer } from './test/rig/sequencer.js';

// Most test time is spent waiting on git, agents, servers and browsers in child processes, not on the
// CPU, so one worker per core (vitest's default leaves one core idle) is the sweet spot on small machines;
// BATON_TEST_WORKERS overrides it.
const workers = Number(process.env.BATON_TEST_WORKERS) || Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
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
