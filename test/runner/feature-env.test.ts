/**
 * A feature's processes never get the queue: an agent on a worker that could reach Redis could start
 * its own "worker", take other features' jobs and report passing checks for them (docs/security.md).
 */
import { describe, expect, it } from 'vitest';
import { featureEnvironment, withoutQueueAccess } from '../../src/runner/feature-env.js';

const facts = {
  featureId: 'feature-001',
  runId: 'r1',
  taskFile: '/t/task.md',
  logPath: '/t/log.jsonl',
  worktree: '/t/wt',
  branch: 'baton/feature-001',
  port: 4100,
  portBase: 4100,
};

describe("a feature's environment", () => {
  it('leaves out BATON_QUEUE, BATON_HUB, REDISCLI_AUTH and every variable holding the queue URL or its password', () => {
    const env = featureEnvironment(
      {
        PATH: '/usr/bin',
        BATON_QUEUE: 'redis://:s3cret-pass@queue.lan:6379/2',
        BATON_HUB: 'ssh://git@hub.lan/srv/app.git',
        REDISCLI_AUTH: 'other',
        QUEUE_COPY: 'redis://:s3cret-pass@queue.lan:6379/2',
        REDIS_PASSWORD: 's3cret-pass',
        WRAPPED: 'url=redis://:s3cret-pass@queue.lan:6379/2;',
        // The project's own Redis, another server: kept.
        REDIS_URL: 'redis://127.0.0.1:6380',
        ANTHROPIC_API_KEY: 'sk-keep',
      },
      facts,
    );
    for (const k of ['BATON_QUEUE', 'BATON_HUB', 'REDISCLI_AUTH', 'QUEUE_COPY', 'REDIS_PASSWORD', 'WRAPPED'])
      expect(env, k).not.toHaveProperty(k);
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      REDIS_URL: 'redis://127.0.0.1:6380',
      ANTHROPIC_API_KEY: 'sk-keep',
      BATON_FEATURE_ID: 'feature-001',
      PORT: '4100',
    });
  });

  it("leaves out what holds the worker's --queue URL and password, given apart from the environment", () => {
    const env = withoutQueueAccess(
      { HOME: '/h', MY_REDIS: 'redis://u:longpassword1@q:6379', PW: 'longpassword1', SHORT: 'longpass' },
      'redis://u:longpassword1@q:6379/',
    );
    expect(env).toEqual({ HOME: '/h', SHORT: 'longpass' });
    // A short password is left out only where a variable is exactly it, never as a substring.
    expect(withoutQueueAccess({ A: 'pw', B: 'pwd-and-more' }, 'redis://:pw@q:6379')).toEqual({
      B: 'pwd-and-more',
    });
  });

  it("leaves out a git hook's GIT_DIR, GIT_INDEX_FILE and GIT_WORK_TREE (its agent's git works in its worktree), keeping the caller's -c config", () => {
    const env = featureEnvironment(
      {
        PATH: '/usr/bin',
        GIT_DIR: '/main/.git/worktrees/other',
        GIT_INDEX_FILE: '/main/.git/worktrees/other/index',
        GIT_WORK_TREE: '/other',
        GIT_CONFIG_PARAMETERS: "'core.autocrlf'='false'",
      },
      facts,
    );
    for (const k of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE']) expect(env, k).not.toHaveProperty(k);
    expect(env).toMatchObject({ PATH: '/usr/bin', GIT_CONFIG_PARAMETERS: "'core.autocrlf'='false'" });
  });
});
