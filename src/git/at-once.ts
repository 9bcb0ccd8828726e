/**
 * Git commands that do not depend on each other, each in its own folder, run at once (one per core)
 * from one small shell: one fork of the orchestrator for all of them (Node's `spawn` copies the whole orchestrator,
 * issue #17), and each caller hears as soon as its own command ends, from a line the shell prints
 * then, not when the slowest one does. The checkouts of a wave's new worktrees run this way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_ENV, type GitOutput, HARDENED_GIT_OPTIONS } from './git.js';
import { readOr, shellQuote } from './sequence.js';

/** One command: git's arguments, run in `cwd`. */
export interface FolderCommand {
  cwd: string;
  args: readonly string[];
}

/**
 * The script: the commands dealt into `lanes` background subshells, each lane running its share one
 * after another; each command's output goes to `<dir>/<i>.*`, then `i` is printed.
 */
export function atOnceScript(commands: readonly FolderCommand[], lanes: number): string {
  const n = Math.max(1, Math.min(lanes, commands.length));
  const lane = Array.from({ length: n }, () => [] as string[]);
  commands.forEach(({ cwd, args }, i) => {
    const words = ['git', ...HARDENED_GIT_OPTIONS, ...args].map(shellQuote).join(' ');
    const files = `>"$d/${i}.out" 2>"$d/${i}.err"`;
    lane[i % n]?.push(
      `( cd -- ${shellQuote(cwd)} 2>"$d/${i}.err" && ${words} ${files}; echo $? >"$d/${i}.rc" ); echo ${i}`,
    );
  });
  return ['d=$1', ...lane.map((cmds) => `(\n${cmds.join('\n')}\n) &`), 'wait'].join('\n');
}

/**
 * Runs `commands` at once, as many at a time as there are cores (more checkouts than cores only
 * contend: eight at once on two cores took twice the CPU of eight one after another);
 * `each(i, output)` is called once per command as soon as it ends (a
 * command the shell never reported gets exit code -1 and the shell's stderr). Never throws on a git
 * failure, only when the shell cannot start.
 */
export function gitAtOnce(
  commands: readonly FolderCommand[],
  each: (i: number, out: GitOutput) => void,
  lanes = availableParallelism(),
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-git-'));
  const reported = new Set<number>();
  const report = (i: number, fallbackErr: string) => {
    if (reported.has(i) || i < 0 || i >= commands.length) return;
    reported.add(i);
    const rc = readOr(join(dir, `${i}.rc`), '').trim();
    each(i, {
      stdout: readOr(join(dir, `${i}.out`), ''),
      stderr: rc === '' ? fallbackErr : readOr(join(dir, `${i}.err`), ''),
      exitCode: rc === '' ? -1 : Number(rc),
    });
  };
  return new Promise<void>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', atOnceScript(commands, lanes), 'sh', dir], {
      env: { ...process.env, ...GIT_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let rest = '';
    const err: Buffer[] = [];
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) report(Number(line), '');
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', () => {
      const stderr = Buffer.concat(err).toString('utf8') || 'the shell ended before the command did';
      for (let i = 0; i < commands.length; i++) report(i, stderr);
      resolve();
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
