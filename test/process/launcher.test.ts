/**
 * The launcher process: a run's many small scripts (git sequences) are forked by a small idle Node
 * process instead of the orchestrator (issue #17), with the same outputs, and it never outlives the
 * orchestrator or leaves a script without an answer.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSequence } from '../../src/git/sequence.js';
import {
  launcherPid,
  runScript,
  startLauncher,
  startSupervised,
  stopLauncher,
} from '../../src/process/launcher.js';
import { groupAlive } from '../../src/process/supervise.js';
import { runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { gitTraceDuring } from '../rig/git-trace.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const BUILT = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'launcher-child.cjs');
const repos: TempRepo[] = [];
afterEach(() => {
  stopLauncher();
  for (const r of repos.splice(0)) r.cleanup();
});

async function readyLauncher(): Promise<number> {
  expect(existsSync(BUILT), 'npm run build makes the launcher').toBe(true);
  expect(startLauncher(BUILT)).toBe(true);
  for (let i = 0; i < 200 && launcherPid() === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  const pid = launcherPid();
  expect(pid).toBeDefined();
  return pid as number;
}

/** Launcher processes working in `dir`. */
function launchersIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (
          readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'baton-launcher' &&
          readlinkSync(`/proc/${p}/cwd`) === dir
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(readStat(pid));
const readStat = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x');
  } catch {
    return '';
  }
};

// Bytes a pipe must carry unchanged: a NUL, non-ASCII text, no trailing newline.
const SCRIPT = `printf 'out\\0é' ; printf 'err' >&2; printf 'three' >&3; printf '%s' "$PPID" >&4`;

describe('the launcher process', () => {
  it('runs a script as its own child, with every output as a direct spawn gives it', async () => {
    const direct = await runScript('/', SCRIPT, 2, process.env);
    expect(direct).toEqual({ stdout: 'out\0é', stderr: 'err', outs: ['three', String(process.pid)] });
    const pid = await readyLauncher();
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('baton-launcher');
    const launched = await runScript('/', SCRIPT, 2, process.env);
    expect(launched).toEqual({ ...direct, outs: ['three', String(pid)] });
  });

  it('gives a git sequence the same outputs, a failing step included', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    repos.push(repo);
    const steps = [
      { args: ['rev-parse', 'HEAD'] },
      { args: ['show', 'nope:a.txt'], mayFail: true },
      { args: ['ls-files'] },
    ];
    const direct = await gitSequence(repo.root, steps);
    await readyLauncher();
    expect(await gitSequence(repo.root, steps)).toEqual(direct);
    expect(direct[0]?.stdout.trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(direct[1]?.exitCode).not.toBe(0);
    expect(direct[1]?.stderr).toMatch(/nope/);
    expect(direct[2]?.stdout).toBe('a.txt\n');
  });

  it('outlives a Ctrl-C to the run, and ends when the orchestrator lets it go', async () => {
    const pid = await readyLauncher();
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
    expect((await runScript('/', 'printf "%s" "$PPID" >&3', 1, process.env)).outs).toEqual([String(pid)]);
    stopLauncher();
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
    expect(alive(pid)).toBe(false);
  });

  it('killed, answers the script it was running with an error, and the next scripts are spawned here', async () => {
    const pid = await readyLauncher();
    const pending = runScript('/', 'sleep 5', 0, process.env);
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/the process launcher ended \(SIGKILL\)/);
    expect(launcherPid()).toBeUndefined();
    expect((await runScript('/', 'printf "%s" "$PPID" >&3', 1, process.env)).outs).toEqual([
      String(process.pid),
    ]);
  });
});

describe('a process group leader through the launcher (an agent)', () => {
  const ppidOf = (pid: number) => Number(readStat(pid).split(' ')[3]);
  const pgidOf = (pid: number) => Number(readStat(pid).split(' ')[4]);

  it("leads its own group as the launcher's child, gets its input, writes its log, and exits with its code", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-launcher-'));
    const launcher = await readyLauncher();
    const logFile = join(dir, 'agent.log');
    const child = await startSupervised('read -r line; echo "got $line"; sleep 0.3; exit 3', {
      cwd: dir,
      env: process.env,
      shell: true,
      logFile,
      input: 'hello\n',
    });
    const pid = child.pid as number;
    expect(ppidOf(pid)).toBe(launcher);
    expect(pgidOf(pid)).toBe(pid);
    const exit = await child.exited;
    expect(exit).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(readFileSync(logFile, 'utf8')).toBe('got hello\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a signal, stops the whole group, and says when the program cannot start', async () => {
    await readyLauncher();
    const opts = { cwd: '/', env: process.env, shell: true, logFile: '/dev/null' };
    expect((await (await startSupervised('kill -TERM $$', opts)).exited).signal).toBe('SIGTERM');
    const long = await startSupervised('sleep 30 & sleep 30; wait', opts);
    await new Promise((r) => setTimeout(r, 100));
    await long.stop();
    expect(await long.exited).toMatchObject({ signal: 'SIGTERM', stoppedBy: 'stop' });
    expect(groupAlive(long.pid as number)).toBe(false);
    const missing = await startSupervised('/nonexistent/agent', { ...opts, shell: false });
    expect(missing.pid).toBeUndefined();
    const exit = await missing.exited;
    expect(exit.exitCode).toBe(127);
    expect(exit.stderr).toMatch(/Command failed to start: .*ENOENT/);
  });

  it('outlives a launcher killed under it: Baton neither stops it nor loses track of its end', async () => {
    const launcher = await readyLauncher();
    const child = await startSupervised('sleep 0.6', {
      cwd: '/',
      env: process.env,
      shell: true,
      logFile: '/dev/null',
    });
    process.kill(launcher, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(child.pid as number)).toBe(true);
    const exit = await child.exited;
    expect(exit.exitCode).toBeNull();
    expect(exit.durationMs).toBeGreaterThanOrEqual(500);
  });
});

describe('baton run and the launcher', () => {
  it('a run of 16 features commits from the launcher, and none is left running after it', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `feature-${String(i + 1).padStart(3, '0')}-l`);
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles(
        ids.map((id) => ({
          id,
          // Each agent notes who started it: its shell's parent.
          agent: {
            command: `mkdir -p src/${id} && echo ${id} > src/${id}/a.txt && cat /proc/$PPID/comm > src/${id}/by.txt`,
          },
        })),
      ),
    });
    repos.push(repo);
    let r: ReturnType<typeof runBatonProcess> | undefined;
    // The built CLI as a process of its own: an in-process run (the sources) has no built launcher.
    const trace = await gitTraceDuring(join(repo.root, '..'), async () => {
      r = runBatonProcess(['run', '--no-verify'], { cwd: repo.root });
    });
    expect(r?.code, `${r?.stdout}${r?.stderr}`).toBe(0);
    for (const id of ids) expect(repo.git('show', `baton/${id}:src/${id}/a.txt`)).toBe(id);
    // Agents started once the launcher was up are its children; any before, the orchestrator's.
    const by = ids.map((id) => repo.git('show', `baton/${id}:src/${id}/by.txt`));
    expect(by.filter((c) => c === 'baton-launcher').length, by.join(' ')).toBeGreaterThan(0);
    expect(by.filter((c) => c !== 'baton-launcher' && c !== 'node')).toEqual([]);
    // git's trace names each git process's ancestors: a commit's shell was the launcher's child.
    // One sequence per feature's commit at least, each a shell the launcher started.
    const ancestry = trace.filter((l) => / cmd_ancestry /.test(l));
    const launched = ancestry.filter((l) => / cmd_ancestry sh <- baton-launcher <- node /.test(l));
    expect(launched.length, ancestry.join('\n')).toBeGreaterThanOrEqual(16);
    // The run's launcher (working in the repository, as the run did) ended with it.
    expect(launchersIn(repo.root)).toEqual([]);
  });
});
