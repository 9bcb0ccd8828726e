/**
 * Agents may rewrite `.baton/cache/contracts.json` (ignored by git, so no watch sees it): the commands that
 * decide on a contract read it from its file; only the commands that show the contracts use the cache.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** fa's check wants GOOD in src/fa/a.txt; its agent writes BAD there and README.md, outside its `owns`. */
function failingRepo(): TempRepo {
  const r = makeRepo({
    'README.md': '# app\n',
    ...contractFiles([
      {
        id: 'fa',
        agent: { command: 'mkdir -p src/fa && echo BAD > src/fa/a.txt && echo x > README.md' },
        criteria: [{ id: 'ok', text: 'the file says GOOD', run: 'grep -q GOOD src/fa/a.txt' }],
      },
    ]),
  });
  cleanups.push(() => r.cleanup());
  return r;
}

/** Rewrites fa's cached parse as an agent would: its check always passes and it owns everything. */
function forgeCache(root: string): void {
  const file = join(root, '.baton', 'cache', 'contracts.json');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const value = data.entries['specs/fa/contract.md'].result.value;
  value.acceptance_criteria[0].run = 'true';
  value.owns = ['**'];
  writeFileSync(file, JSON.stringify(data));
}

describe('adversarial: a forged contracts parse cache decides nothing', () => {
  it('verify and integrate --into judge the feature by its contract file, not by the cache', async () => {
    const r = failingRepo();
    const world = watchWorld(r);
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(1);
    expect((await runBaton(['lint'], { cwd: r.root })).code).toBe(0);
    forgeCache(r.root);
    // The forged entry is the one the cache serves: a command that only shows the contracts sees it.
    const plan = await runBaton(['plan', '--json'], { cwd: r.root });
    expect(plan.stdout).toContain('"**"');

    const verify = await runBaton(['verify', 'fa'], { cwd: r.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/checks 0\/2/);
    expect(verify.stdout).toContain('changed outside owns: README.md');

    const resumed = await runBaton(['run', '--resume', 'fa'], { cwd: r.root });
    expect(resumed.code).toBe(1);

    await runBaton(['integrate', '--into', 'main'], { cwd: r.root });
    expect(r.git('show', 'main:README.md')).toBe('# app');
    expect(r.git('ls-tree', '--name-only', 'main', 'src/fa/a.txt')).toBe('');
    world.expectUntouched();
  });
});
