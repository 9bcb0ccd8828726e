// @module-tag slow
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RECIPES } from '../../src/agents/demo.js';
import { BATON_BIN, type CliResult, runBaton } from '../rig/cli.js';

const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-demo-stops-')));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** Runs `baton demo` as a real process in its own process group and sends it SIGINT once `when` holds on its output. */
function demoInterrupted(dir: string, args: string[], when: (stdout: string) => boolean): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BATON_BIN, 'demo', '--dir', dir, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (!sent && when(stdout) && child.pid !== undefined) {
        sent = true;
        process.kill(-child.pid, 'SIGINT'); // Ctrl-C in a terminal: the whole foreground group
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    // A demo that does not stop is ended here, with what it left, rather than left running after the test.
    const stuck = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(stuck);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('baton demo refuses in one line what it cannot use', () => {
  it('a --dir under a file, and --agent-seconds beyond what a timer waits', async () => {
    const file = join(parent, 'afile');
    writeFileSync(file, 'mine\n');
    const dir = await runBaton(['demo', '--dir', file], { cwd: parent });
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain(
      `baton: ${join(file, 'assignment-grader')} cannot be made (ENOTDIR); the demo needs a fresh folder [demo/bad-dir]`,
    );
    expect(dir.stderr).not.toContain('internal error');
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    const long = await runBaton(['demo', '--dir', join(parent, 'long'), '--agent-seconds', '1e9'], {
      cwd: parent,
    });
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--agent-seconds must be a number from 0 to 4294967');
    expect(existsSync(join(parent, 'long'))).toBe(false);
  });
});

describe('baton demo refuses up front a folder it would write', () => {
  it("an earlier demo's -j 1 clone (with --compare) or worktrees folder, before making anything", async () => {
    for (const [name, args] of [
      ['assignment-grader-sequential', ['--compare']],
      ['assignment-grader.baton-worktrees', []],
    ] as const) {
      const dir = join(parent, `used-${name}`);
      mkdirSync(join(dir, name, 'feature-001-upload'), { recursive: true });
      const r = await runBaton(['demo', '--dir', dir, '--agent-seconds', '0', ...args], { cwd: parent });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `baton: ${join(dir, name)} exists and is not empty; the demo needs a fresh folder [demo/dir-not-empty]`,
      );
      expect(r.stderr).not.toContain('internal error');
      expect(existsSync(join(dir, 'assignment-grader'))).toBe(false);
    }
  });

  it('a TMPDIR that does not exist, in one line with a hint, not a stack trace', async () => {
    // A real process: os.tmpdir() reads the process's own TMPDIR.
    const r = spawnSync(process.execPath, [BATON_BIN, 'demo', '--agent-seconds', '0'], {
      cwd: parent,
      env: { ...process.env, NO_COLOR: '1', TMPDIR: join(parent, 'gone') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `baton: the temporary folder (TMPDIR) cannot be used: ${join(parent, 'gone')} does not exist [env/tmpdir]\n` +
        'hint: Set TMPDIR to a folder that exists and you can write in, or unset it to use /tmp; or pass --dir with a new folder.\n',
    );
  });
});

describe('baton demo stops where it is told to', () => {
  it('Ctrl-C during the run stops the demo there: no -j 1 run, no integrate, no agent left, exit 130', async () => {
    const running = (out: string) => (out.match(/running demo \(pid \d+/g) ?? []).length === 3;
    const r = await demoInterrupted(join(parent, 'run'), ['--compare', '--agent-seconds', '30'], running);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(130);
    expect(r.stdout).toContain('== 4. run three agents in parallel');
    for (const later of ['== 4b.', '== 5.', '== 6.', 'Where things are', 'main now holds']) {
      expect(r.stdout).not.toContain(later);
    }
    expect(r.stderr).toContain(
      'baton: demo stopped by Ctrl-C during step 4 (run); no further step ran [demo/interrupted]',
    );
    expect(r.stderr).toContain(`hint: What it made is kept in ${join(parent, 'run', 'assignment-grader')}`);
    const pids = [...r.stdout.matchAll(/running demo \(pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('Ctrl-C during decompose says so, and does not blame decompose', async () => {
    const r = await demoInterrupted(join(parent, 'decompose'), ['--agent-seconds', '5'], (out) =>
      out.includes('round 1: running the agent'),
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(130);
    expect(r.stdout).not.toContain('decompose wrote no clean contracts');
    expect(r.stdout).not.toContain('== 2.');
    expect(r.stderr).toContain('demo stopped by Ctrl-C during step 1 (decompose)');
  }, 60_000);

  it('a run that completed nothing: main is not said to hold the grader, and no speedup is claimed', async () => {
    // Recipes for decompose only: every feature's scripted agent fails at once.
    const recipes = join(parent, 'recipes');
    cpSync(join(DEFAULT_RECIPES, 'decompose'), join(recipes, 'decompose'), { recursive: true });
    const r = await runBaton(['demo', '--dir', join(parent, 'failing'), '--agent-seconds', '0'], {
      cwd: parent,
      env: { BATON_DEMO_RECIPES: recipes },
    });
    expect(r.code, r.stdout.slice(-3000)).toBe(1);
    expect(r.stdout).toContain('0/3 features complete');
    expect(r.stdout).not.toContain('main now holds the integrated grader');
    expect(r.stdout).toContain(
      'integrate did not succeed, so main still holds the skeleton and the contracts',
    );
    expect(r.stdout).not.toMatch(/this run achieved \d/);
    expect(r.stdout).not.toMatch(/speedup \d+\.\d×/i);
  }, 60_000);
});
