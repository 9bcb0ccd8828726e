import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { type DemoSteps, runDemoSteps } from '../../src/cli/demo.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/**
 * The demo's steps with every subcommand stood in for (each succeeds, decompose writes a contract),
 * and a Ctrl-C that comes once `signalled` holds: which step the demo then says it stopped in.
 */
async function stoppedIn(signalled: (started: string[], repo: TempRepo) => boolean) {
  const repo = makeRepo({ 'README.md': '# grader\n' });
  repos.push(repo);
  const started: string[] = [];
  const interruptedBy = () => (signalled(started, repo) ? 'SIGINT' : undefined);
  const steps: DemoSteps = {
    ctx: { cwd: repo.root } as CliContext,
    parent: repo.root,
    repo: repo.root,
    runSubcommand: async () => 0,
    say: () => {},
    step: async (title) => {
      // As the demo's own step: nothing starts once a signal has come.
      if (interruptedBy() !== undefined) return 130;
      started.push(title.split('.')[0] ?? title);
      if (started.at(-1) === '1') repo.write({ 'specs/feature-001-a/contract.md': 'contract\n' });
      return 0;
    },
    interruptedBy,
  };
  return runDemoSteps(steps, false);
}

describe('baton demo names the step a Ctrl-C stopped it in', () => {
  it('during the commit of decompose’s contracts: step 1, not lint, which never started', async () => {
    const committed = (_: string[], repo: TempRepo) => repo.git('log', '--oneline').split('\n').length > 1;
    expect(await stoppedIn(committed)).toEqual({
      kind: 'interrupted',
      step: '1 (decompose: committing the contracts)',
      signal: 'SIGINT',
    });
  });

  it('during step 6 (report): said, not taken for a demo that ran to its end', async () => {
    expect(await stoppedIn((started) => started.includes('6'))).toEqual({
      kind: 'interrupted',
      step: '6 (report)',
      signal: 'SIGINT',
    });
  });

  it('with no signal, every step runs', async () => {
    expect(await stoppedIn(() => false)).toEqual({ kind: 'ran', failed: 0, integrated: true });
  });
});
