// Shared bench plumbing: timing with medians, and writing bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` `runs` times (after `warmup` untimed runs); returns the milliseconds of each run. */
export async function timeRuns(fn, { runs = 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return times;
}

/** Writes one bench's result: raw data plus the markdown section for BENCHMARKS.md. */
export function writeResult(name, { title, markdown, data, command }) {
  const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const result = {
    name,
    title,
    measured_at: new Date().toISOString(),
    machine,
    command: command ?? `npm run bench -- ${name}`,
    markdown,
    data,
  };
  writeFileSync(join(import.meta.dirname, 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(markdown);
}

/** Formats milliseconds for tables. */
export const ms = (x) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

const HAS_BASH = spawnSync('bash', ['-c', 'true']).status === 0;

/**
 * Runs a command to completion: its wall time, and the CPU (user + sys) of it and of every child it
 * waited for, in ms, read by bash's `time` at millisecond resolution (GNU time prints hundredths of a
 * second: a 10 ms loop read as 0 ms, and a ratio over it as infinite). CPU is NaN without bash.
 * Throws when the command's exit status is not `okStatus`.
 */
export function timeProcess(cmd, args, { cwd, env = process.env, okStatus = 0, maxBuffer = 1 << 28 }) {
  const cpuFile = join(tmpdir(), `baton-bench-cpu-${process.pid}.txt`);
  // `time`'s report goes to the file, the command's own stderr where it went.
  const script = 'TIMEFORMAT="%3U %3S"; { time "$@" 2>&3 3>&- ; } 3>&2 2>"$0"';
  const [file, argv] = HAS_BASH ? ['bash', ['-c', script, cpuFile, cmd, ...args]] : [cmd, args];
  const t = performance.now();
  const r = spawnSync(file, argv, { cwd, env, encoding: 'utf8', maxBuffer });
  const wall = performance.now() - t;
  if (r.status !== okStatus) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  let cpu = Number.NaN;
  if (HAS_BASH) {
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = (user + sys) * 1000;
    rmSync(cpuFile, { force: true });
  }
  return { wall, cpu, stdout: r.stdout, stderr: r.stderr };
}
