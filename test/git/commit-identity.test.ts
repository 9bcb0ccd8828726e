import { afterEach, describe, expect, it, vi } from 'vitest';
import { BATON_IDENTITY, commitIdentityArgs } from '../../src/git/commit-identity.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  vi.unstubAllEnvs();
});

const BATONS = ['-c', `user.name=${BATON_IDENTITY.name}`, '-c', `user.email=${BATON_IDENTITY.email}`];

describe('the identity Baton merges under', () => {
  // The repository's own config alone decides: no global identity of this machine's user leaks in.
  const repo = (config: Array<[string, string]>) => {
    vi.stubEnv('GIT_CONFIG_GLOBAL', '/dev/null');
    const r = makeRepo();
    repos.push(r);
    r.git('config', '--unset-all', 'user.name');
    r.git('config', '--unset-all', 'user.email');
    for (const [k, v] of config) r.git('config', '--add', k, v);
    return r;
  };

  it.each([
    [
      'both set: the repository’s own',
      [
        ['user.name', 'Ada'],
        ['user.email', 'ada@x'],
      ],
      [],
    ],
    ['none set: Baton’s', [], BATONS],
    ['a name but no email: Baton’s', [['user.name', 'Ada']], BATONS],
    [
      'an empty name: Baton’s',
      [
        ['user.name', ''],
        ['user.email', 'ada@x'],
      ],
      BATONS,
    ],
    [
      'an empty name overridden by a later one: the repository’s',
      [
        ['user.name', ''],
        ['user.name', 'Ada'],
        ['user.email', 'ada@x'],
      ],
      [],
    ],
  ] as Array<[string, Array<[string, string]>, string[]]>)('%s', async (_name, config, expected) => {
    expect(await commitIdentityArgs(repo(config).root)).toEqual(expected);
  });
});
