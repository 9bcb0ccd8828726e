// @module-tag slow
/**
 * Baton started from a git hook: git gives the hook `GIT_DIR` and `GIT_INDEX_FILE` (absolute in a
 * linked worktree), and Baton's git calls in its other checkouts, its agents and its checks must find
 * their repository from their own folder, not from those (src/git/repository-env.ts). The built CLI
 * is run, as a hook would run it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPOSITORY_ENV_KEYS, withoutRepositoryEnv } from '../../src/git/repository-env.js';
import { BATON_BIN, runBatonProcess } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with the demo sample, and a criterion that fails when its check gets a hook's variables. */
function demoProject(): TempRepo {
  const repo = makeRepo({ f: 'x\n' });
  repos.push(repo);
  const init = runBatonProcess(['init', '--agent', 'demo', '--test', 'true'], { cwd: repo.root });
  expect(init.code, init.stderr).toBe(0);
  const contract = join(repo.root, 'specs', 'feature-001-example', 'contract.md');
  const text = readFileSync(contract, 'utf8').replace(
    'acceptance_criteria:\n',
    [
      'acceptance_criteria:',
      '  - id: own-repository',
      '    text: The check finds its repository from its folder',
      `    run: 'test -z "\${GIT_DIR-}\${GIT_INDEX_FILE-}\${GIT_WORK_TREE-}"'`,
      '',
    ].join('\n'),
  );
  writeFileSync(contract, text);
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'contracts');
  return repo;
}

describe('Baton run from a git hook', () => {
  it('drops every variable `git rev-parse --local-env-vars` names but the caller’s -c config', () => {
    const listed = execFileSync('git', ['rev-parse', '--local-env-vars'], { encoding: 'utf8' })
      .split('\n')
      .filter((k) => k !== '' && k !== 'GIT_CONFIG_PARAMETERS' && k !== 'GIT_CONFIG_COUNT');
    expect(REPOSITORY_ENV_KEYS).toEqual(expect.arrayContaining(listed));
    const hook = Object.fromEntries(listed.map((k) => [k, '/elsewhere']));
    const kept = {
      PATH: '/usr/bin',
      GIT_CONFIG_PARAMETERS: "'user.name'='A'",
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
    };
    expect(withoutRepositoryEnv({ ...hook, ...kept })).toEqual(kept);
  });

  it("`baton run` given a hook's GIT_DIR and GIT_INDEX_FILE leaves that index alone: the feature, its agent and its checks work in its worktree", () => {
    const repo = demoProject();
    const index = join(repo.root, '.git', 'index');
    const before = readFileSync(index);
    const run = runBatonProcess(['run'], {
      cwd: repo.root,
      env: {
        BATON_DEMO_SECONDS: '0',
        GIT_DIR: join(repo.root, '.git'),
        GIT_INDEX_FILE: index,
        GIT_PREFIX: '',
      },
    });
    expect(run.stdout + run.stderr).not.toContain('the main checkout changed');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('feature-001-example: complete');
    expect(readFileSync(index).equals(before), "the main checkout's index was rewritten").toBe(true);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it("`baton doctor` from a linked worktree's pre-commit hook sees the main checkout as it is (clean)", () => {
    const repo = makeRepo({ f: 'x\n' });
    repos.push(repo);
    const linked = join(repo.root, '..', 'linked');
    repo.git('worktree', 'add', '-q', linked);
    const report = join(repo.root, '..', 'doctor.json');
    const hook = join(repo.root, '.git', 'hooks', 'pre-commit');
    writeFileSync(
      hook,
      `#!/bin/sh\nexport NO_COLOR=1\n"${process.execPath}" "${BATON_BIN}" doctor --json > "${report}"\nexit 0\n`,
    );
    chmodSync(hook, 0o755);
    writeFileSync(join(linked, 'b.txt'), 'b\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: linked, encoding: 'utf8' });
    git('add', 'b.txt');
    git('-c', 'user.name=T', '-c', 'user.email=t@t', 'commit', '-qm', 'b');
    const checks = (
      JSON.parse(readFileSync(report, 'utf8')) as { checks: { name: string; status: string }[] }
    ).checks;
    expect(checks.find((c) => c.name === 'main checkout')).toMatchObject({ status: 'ok' });
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});
