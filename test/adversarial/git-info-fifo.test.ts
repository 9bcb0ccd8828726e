/**
 * An agent that replaces the repository's `.git/info/exclude` (or `info/attributes`) with a FIFO: every
 * git that reads it waits for ever, Baton's own `git add` and `git status` after the agent included.
 * Baton looks before them: the feature fails naming the file, the change is reported, the run ends.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { events, hostileRepo } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) {
    for (const name of ['exclude', 'attributes']) {
      const path = join(r.root, '.git', 'info', name);
      // A git still waiting on the FIFO (a Baton without the fix) is let go: a writer opens and closes it.
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {}
      rmSync(path, { force: true });
    }
    r.cleanup();
  }
});

describe('adversarial: a FIFO in place of a file of .git/info/', () => {
  it.each(['exclude', 'attributes'])(
    'info/%s made a FIFO by an agent: the run ends, the feature fails naming it',
    (name) => {
      const fifo = `"$(git rev-parse --git-common-dir)/info/${name}"`;
      const repo = hostileRepo({
        'feature-001-a': `mkdir -p src/a && echo a > src/a/x && rm -f ${fifo} && mkfifo ${fifo}`,
      });
      repos.push(repo);
      // A real process, killed if it hangs (a bound, not an assertion on time).
      const r = spawnSync(process.execPath, [BATON_BIN, 'run', '--no-verify'], {
        cwd: repo.root,
        env: { ...process.env, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
      expect(r.signal, 'baton run hung').toBeNull();
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`info/${name} is a FIFO, not a regular file`);
      const ended = events(repo).find((e) => e.type === 'feature.ended');
      expect(ended).toMatchObject({ feature_id: 'feature-001-a', status: 'failed' });
      expect(events(repo).some((e) => e.type === 'feature.escaped')).toBe(true);
    },
  );
});
