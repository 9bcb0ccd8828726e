// A first `baton status` folds the whole log on its main thread without yielding, while the contracts
// load in a worker thread (status-plan-load.ts). The worker must exist before the fold starts: one
// started after an `await` in between only ran once the fold was over, and status waited for it.
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';

/** The built module (dist/cli/), whose worker script is there beside it; from sources there is none. */
const BUILT = pathToFileURL(
  resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'status-plan-load.js'),
).href;

const threads = () => readdirSync('/proc/self/task').length;

describe('the plan of a first `status` (built)', () => {
  it('has its worker thread running when locatePlan returns, before the caller folds the log', async () => {
    const { locatePlan } = (await import(BUILT)) as typeof import('../../src/cli/status-plan-load.js');
    const ids = ['feature-001-a', 'feature-002-b'];
    const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(ids.map((id) => ({ id }))) });
    try {
      const ctx = { cwd: repo.root, env: process.env } as CliContext;
      const before = threads();
      const located = await locatePlan(ctx);
      // Nothing awaited since: a thread more is the worker, started by locatePlan itself.
      expect(threads()).toBe(before + 1);
      expect((await located.plan).ids).toEqual(ids);
    } finally {
      repo.cleanup();
    }
  });

  it('gives the ids the specs folder declares, and the problem, when a contract does not parse', async () => {
    const { locatePlan } = (await import(BUILT)) as typeof import('../../src/cli/status-plan-load.js');
    const ids = ['feature-001-a', 'feature-002-b', 'feature-003-c'];
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles(ids.map((id) => ({ id }))),
      'specs/feature-002-b/contract.md': '---\nfeature_id: feature-002-b\nowns: ["src/b/**"\ntitle: B\n---\n',
    });
    try {
      const located = await locatePlan({ cwd: repo.root, env: process.env } as CliContext);
      const plan = await located.plan;
      expect(plan.ids).toEqual(ids);
      expect(plan.problem?.part).toBe('contracts');
      expect(plan.problem?.detail).toMatch(
        /^specs\/feature-002-b\/contract\.md:3:7: the front matter is not valid YAML/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
