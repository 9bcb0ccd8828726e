/**
 * What the test command leaves running outside its group (`setsid … &`) with its output still open:
 * integrate does not wait for it (its `--test-timeout` and Ctrl-C keep working), names it in the test's
 * result as a check's leftovers are named, and stops it as soon as the test ends (the next test gets its ports).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { projectRepo } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Whether a process is alive (a zombie is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('integrate --test and a process the test command left holding its output', () => {
  it('ends without waiting for it, names it in the failure, and stops it as soon as the test ends', () => {
    repo = projectRepo([{ id: 'a' }]);
    const pidFile = join(repo.root, '..', 'daemon.pid');
    // The pause lets setsid take the daemon out of the test's group before the test ends.
    const test = `setsid sleep 60 & echo $! > ${pidFile}; sleep 0.3; exit 1`;
    // A real process, killed if it hangs (a bound, not an assertion on time).
    const r = spawnSync(process.execPath, [BATON_BIN, 'integrate', '--test', test, '--test-timeout', '30'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 50_000,
      killSignal: 'SIGKILL',
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(r.signal, `baton integrate hung: ${r.stdout}${r.stderr}`).toBeNull();
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(
        /Tests failed after merging a \(merge 1 of 1\): exit 1; it left 1 process running, stopped by Baton at once: (setsid )?sleep 60/,
      );
      expect(alive(pid)).toBe(false);
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }, 60_000);
});
