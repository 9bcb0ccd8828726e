// `baton clean` refused a base that is one of Baton's branches, but `baton run --base baton/a` cut the
// features from it and `baton integrate --base baton/a` built the integration on it: work Baton moves
// and deletes itself. Run and integrate now refuse it by the same rule (`batonBranchOfBase`).
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, fileWritingFeature } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Features a and b, with a run once so that baton/a exists. */
async function ranA(): Promise<TempRepo> {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles([fileWritingFeature('a'), fileWritingFeature('b')]),
  });
  repos.push(repo);
  const r = await runBaton(['run', 'a'], { cwd: repo.root });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return repo;
}

describe('a base that is a Baton branch', () => {
  it('is refused by run (named features, none named, the config) and by integrate, as clean refuses it', async () => {
    const repo = await ranA();
    const named = await runBaton(['run', 'b', '--base', 'baton/a'], { cwd: repo.root });
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(
      `baton: the base "baton/a" is a Baton branch: the features' branches would be cut from work Baton itself moves and deletes, not from yours [run/bad-base]`,
    );
    expect(named.stderr).toContain(
      'hint: Pass --base <branch> naming your own branch, the one the features build on (git branch lists them).',
    );
    expect(repo.git('branch', '--list', 'baton/b')).toBe('');
    // With no feature named, before anything is judged delivered against it; a name git resolves to one too.
    const unnamed = await runBaton(['run', '--base', 'heads/baton/a'], { cwd: repo.root });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('the base "heads/baton/a" is baton/a, a Baton branch');
    const integrate = await runBaton(['integrate', '--base', 'baton/a'], { cwd: repo.root });
    expect(integrate.code).toBe(1);
    expect(integrate.stderr).toContain(
      'baton: the base "baton/a" is a Baton branch: the integration would be built on work Baton itself moves and deletes, not on yours [integrate/bad-base]',
    );
    expect(repo.git('branch', '--list', 'baton/integration')).toBe('');

    repo.commit('base', { 'baton.config.json': '{ "base": "baton/a" }\n' });
    const configured = await runBaton(['run', 'b'], { cwd: repo.root });
    expect(configured.stderr).toContain('the base "baton/a" (`base` in baton.config.json) is a Baton branch');
    expect(configured.stderr).toContain('hint: Set `base` in baton.config.json to your own branch');
    const clean = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(clean.stderr).toContain('[clean/bad-base]');
  });
});
