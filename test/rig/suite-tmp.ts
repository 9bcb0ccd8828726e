/**
 * The suite's own temporary folder: every worker's `os.tmpdir()` points into one folder made for this
 * run (`TMPDIR`), removed when the run ends. Test rigs make hundreds of repositories, projects and
 * templates under the temporary folder, and those a worker still held when vitest stopped it (a rig's
 * `process.once('exit')` does not run then) used to stay in /tmp after every `npm test`.
 *
 * The folder is made in memory (`/dev/shm`, a tmpfs on Linux) when that is a folder anyone may write in,
 * else in the system's temporary folder: the suite writes and removes thousands of small files (git
 * objects, worktrees, logs), and on a disk-backed /tmp the kernel's share of the work alone took 40 s of
 * a 2-core run's CPU (a whole run: 300 s → 262 s, 173 s → 131 s of system CPU; BENCHMARKS.md). The run
 * peaks at about 50 MB there. It is used only with 512 MB free and where a script written there runs
 * (containers often mount it small and `noexec`). `BATON_TEST_TMPDIR` names another parent folder.
 */
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MEMORY = '/dev/shm';
/** Room the suite wants there (it peaks near 50 MB; containers often give /dev/shm only 64 MB). */
const MEMORY_ROOM = 512 * 2 ** 20;

/** Whether a script written in `dir` runs: containers often mount /dev/shm `noexec`, and rigs run scripts they write. */
function runsPrograms(dir: string): boolean {
  const probe = mkdtempSync(join(dir, 'baton-exec-probe-'));
  try {
    const script = join(probe, 'probe.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    execFileSync(script, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Where the suite's folder is made: the caller's choice, else memory when it may be used, else tmpdir(). */
function parentFolder(): string {
  const chosen = process.env.BATON_TEST_TMPDIR;
  if (chosen) return chosen;
  try {
    const st = statSync(MEMORY);
    // A folder shared by everyone (sticky, world-writable, like /tmp) that this user may write in.
    if (st.isDirectory() && (st.mode & 0o1777) === 0o1777) {
      accessSync(MEMORY, constants.W_OK | constants.X_OK);
      const fs = statfsSync(MEMORY);
      if (fs.bavail * fs.bsize >= MEMORY_ROOM && runsPrograms(MEMORY)) return MEMORY;
    }
  } catch {
    // No /dev/shm here, or not ours to write in: the system's temporary folder.
  }
  return tmpdir();
}

export function setup(): () => void {
  const dir = mkdtempSync(join(parentFolder(), 'baton-suite-'));
  // Enterable by others, as /tmp is: a test runs Baton as another user (nobody) in a repository of its
  // own, and that user must reach it. What the tests make inside stays theirs (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  // Workers are started after this and take the environment as it is then.
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
