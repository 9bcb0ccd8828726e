// With `core.ignoreStat=true` in the user's config, git marks every index entry it writes
// assume-unchanged. Baton's commit then missed an agent's change to a tracked file ("changed
// nothing"), and every criterion was refused as hidden from git status. Every git in Baton's
// checkouts now runs with `core.ignoreStat=false`: Baton's own, and its agents' and checks'.
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKOUT_CONFIG, withCheckoutConfig } from '../../src/git/repository-env.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a repository with core.ignoreStat=true', () => {
  it('commits the agent’s changes to tracked files, runs the checks, verifies again and integrates', async () => {
    // The agent stages a change with its own git (as coding agents do), then changes the file again;
    // the criterion runs git too.
    const agent = 'echo first >> src/f/x && git add src/f/x && echo second >> src/f/x';
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'src/f/x': 'base\n',
      ...contractFiles([
        {
          id: 'f',
          agent: { command: agent },
          criteria: [
            { text: 'both lines', run: 'grep -q second src/f/x && git add -A && git status --porcelain' },
          ],
        },
      ]),
    });
    repos.push(repo);
    repo.git('config', 'core.ignoreStat', 'true');

    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.stdout).not.toContain('hidden-index-entries');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('f: complete');
    expect(repo.git('show', 'baton/f:src/f/x')).toBe('base\nfirst\nsecond');

    const verify = await runBaton(['verify', 'f'], { cwd: repo.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const integrate = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrate.code, integrate.stdout + integrate.stderr).toBe(0);
    expect(repo.git('show', 'baton/integration:src/f/x')).toBe('base\nfirst\nsecond');
  });

  it('still refuses the checks past an entry marked assume-unchanged on purpose', async () => {
    const agent = 'echo changed >> src/f/x && git update-index --assume-unchanged src/f/x';
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'src/f/x': 'base\n',
      'src/f/y': 'base\n',
      ...contractFiles([
        {
          id: 'f',
          agent: { command: `echo y >> src/f/y && ${agent}` },
          criteria: [{ text: 'true', run: 'true' }],
        },
      ]),
    });
    repos.push(repo);
    repo.git('config', 'core.ignoreStat', 'true');
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('src/f/x hidden from git status');
  });
});

describe('withCheckoutConfig', () => {
  const [[key, value]] = CHECKOUT_CONFIG as [[string, string]];

  it('adds the config after the config the environment already gives git', () => {
    expect(withCheckoutConfig({ PATH: '/bin' })).toEqual({
      PATH: '/bin',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: key,
      GIT_CONFIG_VALUE_0: value,
    });
    const user = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: 'x' };
    const once = withCheckoutConfig(user);
    expect(once).toEqual({
      ...user,
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_1: key,
      GIT_CONFIG_VALUE_1: value,
    });
    expect(withCheckoutConfig(once)).toEqual(once);
  });

  it('leaves a count git would refuse as it is', () => {
    const bad = { GIT_CONFIG_COUNT: 'many' };
    expect(withCheckoutConfig(bad)).toEqual(bad);
  });
});
