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

/**
 * A `git` first on PATH that runs the real git with `first` just before any call whose arguments
 * contain `when`, then that call: another process's move made certain to land mid-command, no timing.
 */
export function racingGit(dir: string, o: { when: string; first: readonly string[] }): { path: string } {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'racing-git');
  mkdirSync(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\ncase "$*" in *${quote(o.when)}*) ${quote(realGit)} ${o.first.map(quote).join(' ')} ;; esac\nexec ${quote(realGit)} "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return { path: `${bin}:${process.env.PATH}` };
}

/**
 * A `git` first on PATH that, for a call whose arguments contain `when`, runs the real git, then sends
 * SIGINT to the process group of the program that started it, as a terminal's Ctrl-C reaches Baton's
 * foreground group, and exits with git's status a few seconds later (time for Baton to take the
 * signal). A git in Baton's group dies with it, its work done but unreported; one run out of reach
 * (in a group of its own) reports it. Other calls run the real git.
 */
export function ctrlCGit(dir: string, when: string): { path: string } {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'ctrl-c-git');
  mkdirSync(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  writeFileSync(
    join(bin, 'git'),
    [
      '#!/bin/sh',
      `case "$*" in *${quote(when)}*) ;; *) exec ${quote(realGit)} "$@" ;; esac`,
      `${quote(realGit)} "$@"; rc=$?`,
      // The group of the parent (Baton): the third field after the command name in /proc/<pid>/stat.
      `kill -INT -$(sed 's/.*) //' /proc/$PPID/stat | cut -d' ' -f3)`,
      'sleep 3',
      'exit $rc',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'git'), 0o755);
  return { path: `${bin}:${process.env.PATH}` };
}

/** A `git` first on PATH that kills itself with `signal` on a call whose arguments contain `when`, before doing anything. */
export function killedGit(dir: string, when: string, signal: 'TERM' | 'KILL'): { path: string } {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'killed-git');
  mkdirSync(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\ncase "$*" in *${quote(when)}*) kill -${signal} $$ ;; esac\nexec ${quote(realGit)} "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  return { path: `${bin}:${process.env.PATH}` };
}
