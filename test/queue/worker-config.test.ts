/**
 * `baton worker` and `baton workers` run inside a repository read its config's `queue:` and `hub:` as
 * `baton run --queue` does: after the flags, before BATON_QUEUE / BATON_HUB, a hub path from the root.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { freePort } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Neither variable set: what is read comes from the flags or the config. */
const env = { BATON_QUEUE: undefined, BATON_HUB: undefined };

/** The error lines a command printed (without the hint). */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('baton:'));

describe('baton worker and baton workers in a repository whose config names the queue and the hub', () => {
  test('take the hub from the config, a path read from the repository root, whatever folder they run in', async () => {
    const port = await freePort();
    const repo = makeRepo({
      'README.md': '# q\n',
      'src/x.txt': 'x\n',
      'baton.yaml': `queue: redis://127.0.0.1:${port}\nhub: .\n`,
    });
    repos.push(repo);
    // `hub: .` is the repository itself, refused before Redis is asked: named as the root, not as src/.
    const r = await runBaton(['worker', '--agents', 'command'], { cwd: join(repo.root, 'src'), env });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringContaining(`the git hub ${repo.root} is this repository`),
    ]);
  });

  test('take the queue from the config, and name it where Redis is not reached', async () => {
    const port = await freePort();
    const repo = makeRepo({
      'README.md': '# q\n',
      'baton.yaml': `queue: redis://127.0.0.1:${port}\nhub: ../hub.git\n`,
    });
    repos.push(repo);
    for (const args of [['worker', '--agents', 'command'], ['workers']]) {
      const r = await runBaton(args, { cwd: repo.root, env });
      expect(r.code, args[0]).toBe(1);
      expect(errorLines(r.stderr), args[0]).toEqual([
        expect.stringContaining(`cannot reach Redis at redis://127.0.0.1:${port}`),
      ]);
      expect(r.stderr, args[0]).toContain('or fix `queue` in baton.yaml.');
    }
  }, 60_000);

  test('with no queue anywhere, the hint names each place one is read from', async () => {
    const repo = makeRepo({ 'README.md': '# q\n' });
    repos.push(repo);
    for (const [args, code] of [
      [['worker'], 'worker/no-queue'],
      [['workers'], 'workers/no-queue'],
    ] as const) {
      const r = await runBaton([...args], { cwd: repo.root, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`[${code}]`);
      expect(r.stderr).toContain(
        "hint: Pass --queue redis://host:6379, set BATON_QUEUE (which keeps a password off the command line), or set `queue:` in the repository's config.",
      );
    }
  });
});
