/**
 * The suite's own temporary folder: every worker's `os.tmpdir()` points into one folder made for this
 * run (`TMPDIR`), removed when the run ends. Test rigs make hundreds of repositories, projects and
 * templates under the temporary folder, and those a worker still held when vitest stopped it (a rig's
 * `process.once('exit')` does not run then) used to stay in /tmp after every `npm test`.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'baton-suite-'));
  // Enterable by others, as /tmp is: a test runs Baton as another user (nobody) in a repository of its
  // own, and that user must reach it. What the tests make inside stays theirs (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  // Workers are started after this and take the environment as it is then.
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
