import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A `git` first on PATH that logs each call, then runs the real git. */
export function gitShim(dir: string): { path: string; calls: () => string[] } {
  const realGit = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'shim-bin');
  const log = join(dir, 'git-calls.txt');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  // One line per call, even for a commit message of several lines.
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\nprintf '%s\\n' "$(printf '%s' "$*" | tr '\\n' ' ')" >> '${log}'\nexec '${realGit}' "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}
