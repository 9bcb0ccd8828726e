/** The repositories a runner test file makes (removed after each test), and the events a run logged. */
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/**
 * Call at a test file's top level: `repoWith` makes a repository that is removed after each test, or,
 * with `concurrent`, after the file's last test (a test that ends must not remove one still running).
 */
export function tempRepos(opts: { concurrent?: boolean } = {}): {
  repoWith(contracts: TestContract[], extra?: Record<string, string>): TempRepo;
  kept(repo: TempRepo): TempRepo;
} {
  const repos: TempRepo[] = [];
  (opts.concurrent ? afterAll : afterEach)(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });
  const kept = (repo: TempRepo) => {
    repos.push(repo);
    return repo;
  };
  return {
    kept,
    repoWith: (contracts, extra = {}) =>
      kept(makeRepo({ 'README.md': '# app\n', ...contractFiles(contracts), ...extra })),
  };
}

/** Call at a test file's top level: the pids pushed on the list are killed (SIGKILL) after each test. */
export function killedAfterEach(): number[] {
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  return pids;
}

/** Baton's events in the repository's log, in order. */
export function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}
