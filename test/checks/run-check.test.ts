import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutputPath, verifyFeature } from '../../src/checks/verify.js';
import type { CheckFailed, CheckPassed } from '../../src/log/events.js';
import { isPortFree } from '../../src/ports.js';
import { runCommandEndTasks } from '../../src/process/at-command-end.js';
import { groupAlive } from '../../src/process/supervise.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { criterion, makeContract, makeProject } from './rig.js';

const project = makeProject();

/** Whether `pid` is a live process (a zombie waiting for its parent is not). */
function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Verifies `contract` in the project's checkout, as a run's worktree check would. */
function verifyInProject(contract: ReturnType<typeof makeContract>) {
  return verifyFeature({
    contract,
    cwd: project.root,
    on: 'worktree',
    port: 41230,
    config: project.config,
    logPath: project.logPath,
    runId: 'run-1',
  });
}

async function verifyRun(run: string, timeout_s?: number) {
  const contract = makeContract('feature-run', [
    criterion({ id: 'tests', text: 'the tests pass', run, ...(timeout_s ? { timeout_s } : {}) }),
  ]);
  const report = await verifyInProject(contract);
  return { report, event: report.events[0] as CheckPassed | CheckFailed };
}

describe('run checks', () => {
  it('passes on exit 0, in the given folder, with the feature’s PORT', async () => {
    const { report, event } = await verifyRun(
      `test "$PORT" = 41230 && test "$BATON_PORT_BASE" = 41230 && test "$BATON_FEATURE_ID" = feature-run && test "$(pwd)" = "${project.root}"`,
    );
    expect(event.type, event.message).toBe('check.passed');
    expect(event).toMatchObject({
      feature_id: 'feature-run',
      criterion_id: 'tests',
      text: 'the tests pass',
      kind: 'run',
      on: 'worktree',
      run_id: 'run-1',
      measured: { exit_code: 0 },
    });
    expect(event.message).toMatch(/^exit 0 after \d+(\.\d)? m?s$/);
    expect(report).toMatchObject({ passed: 1, failed: 0, unverifiable: 0, total: 1 });
  });

  it('fails on exit 3 with the tail of its output, stdout and stderr interleaved', async () => {
    const { report, event } = await verifyRun(
      'echo compiling; echo "FAIL catalog.test.ts" >&2; echo "1 failed"; exit 3',
    );
    expect(event.type).toBe('check.failed');
    expect(event.message).toMatch(/^exit 3 after \d+(\.\d)? m?s: 1 failed$/);
    expect(event.measured?.exit_code).toBe(3);
    expect(event.measured?.output_tail).toBe('compiling\nFAIL catalog.test.ts\n1 failed');
    expect(report).toMatchObject({ passed: 0, failed: 1, total: 1 });
    // The whole output stays on disk beside the log.
    expect(
      readFileSync(checkOutputPath(project.logPath, 'feature-run', 'tests', 'worktree'), 'utf8'),
    ).toContain('FAIL catalog.test.ts');
  });

  it('gives ids that differ only in punctuation their own output files; a plain id keeps its name', async () => {
    const contract = makeContract('feature-ids', [
      criterion({ id: 'a b', text: 'fails', run: 'echo the failure; exit 1' }),
      criterion({ id: 'a/b', text: 'passes', run: 'echo fine' }),
    ]);
    await verifyInProject(contract);
    const spaced = checkOutputPath(project.logPath, 'feature-ids', 'a b', 'worktree');
    const slashed = checkOutputPath(project.logPath, 'feature-ids', 'a/b', 'worktree');
    expect(spaced).not.toBe(slashed);
    expect(readFileSync(spaced, 'utf8')).toContain('the failure');
    expect(readFileSync(slashed, 'utf8')).toContain('fine');
    expect(checkOutputPath('/p/.baton/log.jsonl', 'f', 'latency', 'worktree')).toBe(
      '/p/.baton/checks/f/latency.log',
    );
    expect(checkOutputPath('/p/.baton/log.jsonl', 'f', 'a b', 'integration')).toMatch(
      /^\/p\/\.baton\/checks\/f\/a-b-[0-9a-f]{8}\.integration\.log$/,
    );
  });

  it('keeps only the last megabyte of a chatty command’s output, saying the rest was cut', async () => {
    const { event } = await verifyRun('yes line | head -c 3000000; echo the end');
    expect(event.type).toBe('check.passed');
    const kept = readFileSync(checkOutputPath(project.logPath, 'feature-run', 'tests', 'worktree'), 'utf8');
    expect(kept.length).toBeLessThanOrEqual(1024 * 1024 + 200);
    expect(kept).toMatch(
      /^\[baton: output cut: the first \d+ bytes of 3000008 were dropped; the tail follows\]\nline\n/,
    );
    expect(kept.endsWith('the end\n')).toBe(true);
  });

  it('kills a command that hangs at its timeout, children included, and fails saying so', async () => {
    const started = Date.now();
    const { event } = await verifyRun('echo "pgid $$"; sleep 30 & sleep 30; wait', 1);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(event.type).toBe('check.failed');
    expect(event.message).toBe('timed out after 1 s: the command was stopped');
    const pgid = Number(/pgid (\d+)/.exec(event.measured?.output_tail ?? '')?.[1]);
    expect(pgid).toBeGreaterThan(0);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('names what a passing command left running outside its group (setsid), and stops it when the command ends', async () => {
    // The daemon leaves the check's process group and session: stopping the group misses it.
    const { event } = await verifyRun(
      'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo "daemon $!"; sleep 0.2',
    );
    expect(event.type, event.message).toBe('check.passed');
    expect(event.message).toMatch(
      /^exit 0 after .*; it left 1 process running, which Baton stops when this command ends: (setsid )?sleep 300$/,
    );
    const pid = Number(/daemon (\d+)/.exec(event.measured?.output_tail ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    // Still there while the command goes on (another feature's check may be using it)…
    expect(processAlive(pid)).toBe(true);
    await runCommandEndTasks();
    // …and gone once it ends.
    expect(processAlive(pid)).toBe(false);
  });

  it("stops at once a leftover that listens on a port of the feature's block, saying which", async () => {
    // A port of the block nothing else (another test file running meanwhile) listens on; the exact
    // marker, since a failed listen's stack trace says `setupListenHandle`.
    let port = 41231;
    while (port < 41239 && !(await isPortFree(port))) port++;
    const server = `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening-ready'))`;
    const { event } = await verifyRun(
      `setsid ${JSON.stringify(process.execPath)} -e "${server}" > ../leftover.out 2>&1 </dev/null & echo "daemon $!"; for i in $(seq 50); do grep -qx listening-ready ../leftover.out 2>/dev/null && break; sleep 0.1; done; grep -qx listening-ready ../leftover.out`,
    );
    expect(event.type, event.message).toBe('check.passed');
    expect(event.message).toMatch(
      new RegExp(
        `; it left 1 process running, stopped by Baton at once \\(one listened on port ${port}, the feature's\\): .*node`,
      ),
    );
    const pid = Number(/daemon (\d+)/.exec(event.measured?.output_tail ?? '')?.[1]);
    // Gone before the command ends: nothing left for its end.
    expect(processAlive(pid)).toBe(false);
  });

  it("a shared daemon one feature's check started keeps serving another's until the command ends", async () => {
    // A build server started on first use by whichever check comes first (as Gradle or sccache do).
    const dir = mkdtempSync(join(tmpdir(), 'baton-shared-daemon-'));
    const use = `[ -f ${dir}/pid ] && kill -0 "$(cat ${dir}/pid)" 2>/dev/null || { setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${dir}/pid; }; sleep 0.2; kill -0 "$(cat ${dir}/pid)"`;
    try {
      const first = await verifyRun(use);
      expect(first.event.type, first.event.message).toBe('check.passed');
      // The second feature's check finds the server there and uses it.
      // (`kill -0` would pass on a zombie: the state in /proc must be a live one.)
      const second = await verifyRun(`awk '{ exit ($3 == "Z") }' "/proc/$(cat ${dir}/pid)/stat"`);
      expect(second.event.type, second.event.message).toBe('check.passed');
      const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      await runCommandEndTasks();
      expect(processAlive(pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves alone a process it did not start, whatever the command', async () => {
    const other = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const { event } = await verifyRun(`kill -0 ${other.pid}`);
      expect(event.message).toMatch(/^exit 0 after \d+(\.\d)? m?s$/);
      expect(processAlive(other.pid as number)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('uses the configured default timeout when the criterion names none', async () => {
    const contract = makeContract('feature-run', [criterion({ id: 'slow', text: 'slow', run: 'sleep 30' })]);
    const report = await verifyFeature({
      contract,
      cwd: project.root,
      on: 'worktree',
      port: 41230,
      config: { ...project.config, check_timeout_s: 0.5 },
      logPath: project.logPath,
    });
    expect((report.events[0] as CheckFailed).message).toBe('timed out after 0.5 s: the command was stopped');
  });

  it('fails a command that does not exist, saying so', async () => {
    const { event } = await verifyRun('definitely-not-a-command-xyz');
    expect(event.type).toBe('check.failed');
    expect(event.message).toMatch(/^exit 127 \(command not found\) after .*not found$/);
  });

  it('stops a running command’s whole group when interrupted, and records nothing', async () => {
    const controller = new AbortController();
    const contract = makeContract('feature-run', [
      criterion({ id: 'long', text: 'long', run: 'echo "pgid $$"; sleep 30 & sleep 30; wait' }),
      criterion({ id: 'next', text: 'never reached', run: 'true' }),
    ]);
    const pending = verifyFeature({
      contract,
      cwd: project.root,
      on: 'worktree',
      port: 41230,
      config: project.config,
      logPath: project.logPath,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    const report = await pending;
    expect(report).toMatchObject({ events: [], total: 2, interrupted: true });
    const output = readFileSync(checkOutputPath(project.logPath, 'feature-run', 'long', 'worktree'), 'utf8');
    expect(groupAlive(Number(/pgid (\d+)/.exec(output)?.[1]))).toBe(false);
  });
});

describe('processes a check leaves, through baton run', () => {
  it('are named in the run output and stopped once the command has ended', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'feature-001-d',
          agent: { command: 'mkdir -p src/feature-001-d && echo x > src/feature-001-d/a.txt' },
          criteria: [
            {
              id: 'serves',
              text: 'starts its helper',
              // The pause lets setsid take the helper out of the check's group before the check ends
              // (still in it, the group's stop at the check's end takes it, rightly).
              run: 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ../helper.pid; sleep 0.3',
            },
          ],
        },
      ]),
    });
    try {
      const r = await runBaton(['run'], { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      // Named by its command line (`setsid sleep 300` while setsid has not yet become sleep).
      expect(r.stdout).toMatch(
        /check serves passed: .*; it left 1 process running, which Baton stops when this command ends: (setsid )?sleep 300\n/,
      );
      const pid = Number(readFileSync(join(repo.root, '..', 'repo.baton-worktrees', 'helper.pid'), 'utf8'));
      expect(pid).toBeGreaterThan(0);
      expect(processAlive(pid)).toBe(false);
    } finally {
      repo.cleanup();
    }
  });
});
