import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { repoWithAgent as agentRepo, contract, worktreeCount } from './decompose-rig.js';

const repos: TempRepo[] = [];
const groups: number[] = [];
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with a spec and a second source folder, for a command agent running `lines`. */
const repoWithAgent = (lines: string[], files: Record<string, string> = {}) =>
  agentRepo(repos, lines, { 'src/b/y.ts': 'export const b = 1;\n', ...files });

describe('baton decompose, at its edges', () => {
  it('stops the agent’s process group on Ctrl-C, removes the scratch worktree and says so (exit 130)', async () => {
    const pidFile = join(makeRepo().root, '..', 'agent.pid');
    // The agent's shell and its process group (the adapter's launcher leads the group).
    const r = repoWithAgent([
      `echo $$ $(ps -o pgid= -p $$) > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}`,
      'sleep 30',
    ]);
    let fire: ((signal?: string) => void) | undefined;
    const done = runBaton(['decompose', 'spec.md'], {
      cwd: r.root,
      interrupt: (handler) => {
        fire = handler;
      },
    });
    expect(await until(() => existsSync(pidFile), 20_000)).toBe(true);
    const [pid, pgid] = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    groups.push(pgid);
    expect(fire).toBeDefined();
    fire?.('SIGINT');
    const out = await done;
    expect(out.code).toBe(130);
    expect(out.stdout).toContain(
      'interrupted in round 1: the agent was stopped, nothing was written and the scratch worktree was removed [decompose/interrupted]',
    );
    expect(out.stderr).toContain('stopping the agent');
    // Gone once reaped (an orphan is reaped by init, a moment after it died).
    const alive = (id: number) => {
      try {
        process.kill(id, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(await until(() => !alive(pid) && !alive(-pgid), 2000)).toBe(true);
    expect(worktreeCount(r)).toBe(1);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('refuses a round that leaves a symbolic link in specs/, copying nothing through it', async () => {
    const outside = join(makeRepo().root, '..', 'secrets');
    mkdirSync(outside);
    writeFileSync(join(outside, 'id_rsa'), 'PRIVATE\n');
    const r = repoWithAgent([
      contract('feature-001-a', 'a'),
      `ln -s ${outside} specs/x`,
      'ln -s .. specs/loop',
    ]);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.stderr).not.toContain('internal error');
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('round 1 refused: the agent left symbolic links in the specs folder');
    expect(out.stdout).toContain('  specs/loop\n  specs/x\n');
    expect(out.stdout).not.toContain('wrote');
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
    expect(worktreeCount(r)).toBe(2);
  });

  it('refuses a round whose agent wrote into the main checkout, naming the path and leaving it there', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a'), 'echo changed >> "$MAIN/src/a/x.ts"']);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], {
      cwd: r.root,
      env: { ...process.env, MAIN: r.root },
    });
    expect(out.stderr).not.toContain('internal error');
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('round 1 refused');
    expect(out.stdout).toContain('  main checkout src/a/x.ts\n');
    expect(out.stdout).not.toContain('wrote');
    // Reported, not reverted: the user decides what to do with it.
    expect(readFileSync(join(r.root, 'src/a/x.ts'), 'utf8')).toContain('changed');
    // The kept scratch worktree is not one `baton clean` removes: the line says how.
    expect(out.stdout).toMatch(/worktree is kept at (\S+) \(`git worktree remove --force '\1'` removes it\)/);
  });

  it('refuses a round whose agent wrote where git status already showed a change, an ignored file, a hook or the git config', async () => {
    const r = repoWithAgent(
      [
        contract('feature-001-a', 'a'),
        'echo again >> "$MAIN/src/a/x.ts"',
        'echo again >> "$MAIN/notes.txt"',
        'echo SECRET=overwritten > "$MAIN/.env"',
        'printf "#!/bin/sh\\necho pwned\\n" > "$MAIN/.git/hooks/pre-commit"',
        'git -C "$MAIN" config alias.st "!echo pwned"',
      ],
      { '.gitignore': '.baton/\n.env\n' },
    );
    // The user's own state before: a tracked file changed, an untracked one, an ignored secret.
    writeFileSync(join(r.root, 'src/a/x.ts'), 'export const a = 2;\n');
    writeFileSync(join(r.root, 'notes.txt'), 'mine\n');
    writeFileSync(join(r.root, '.env'), 'SECRET=mine\n');
    // Every write is a moment later than the user's, so its time stamp differs even on a coarse clock.
    await new Promise((res) => setTimeout(res, 20));
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], {
      cwd: r.root,
      env: { ...process.env, MAIN: r.root },
    });
    expect(out.code).toBe(1);
    for (const path of [
      'main checkout src/a/x.ts',
      'main checkout notes.txt',
      'main checkout .env',
      '.git/hooks/pre-commit',
      'git config alias.st',
    ])
      expect(out.stdout).toContain(`  ${path}\n`);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('with --force, takes out of specs/ a contract the agent removed (renamed), so what stays is what was scored', async () => {
    const r = repoWithAgent(['rm -rf specs/feature-001-old', contract('feature-001-new', 'a')]);
    r.commit('old contract', {
      'specs/feature-001-old/contract.md':
        '---\nfeature_id: feature-001-old\ntitle: a\nowns: [src/a/**]\nacceptance_criteria:\n  - { text: t, run: "true" }\n---\n',
    });
    // A committed binary beside it is removed as it is committed (compared by object id, not decoded text).
    const agent = join(r.root, '..', 'agent.sh');
    writeFileSync(agent, `${readFileSync(agent, 'utf8')}rm -f specs/diagram.bin\n`);
    // Bytes that are no UTF-8: as text they would never equal themselves.
    writeFileSync(join(r.root, 'specs', 'diagram.bin'), Buffer.from([0, 0xff, 0xfe, 0x80, 0x0a]));
    r.git('add', 'specs/diagram.bin');
    r.git('commit', '-qm', 'diagram');
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--force', '--json'], {
      cwd: r.root,
    });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.written).toEqual(['specs/feature-001-new/contract.md']);
    expect(json.removed.sort()).toEqual(['specs/diagram.bin', 'specs/feature-001-old/contract.md']);
    expect(readdirSync(join(r.root, 'specs'))).toEqual(['feature-001-new']);
  });

  it('never removes a file git never saw, the spec included, on an agent’s word: it is kept and named', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a'), 'rm -f specs/overview.md']);
    mkdirSync(join(r.root, 'specs'));
    writeFileSync(join(r.root, 'specs', 'overview.md'), '# Shop, my notes\n');
    for (const args of [[], ['--force']]) {
      rmSync(join(r.root, 'specs', 'feature-001-a'), { recursive: true, force: true });
      const out = await runBaton(['decompose', 'specs/overview.md', '--rounds', '1', ...args], {
        cwd: r.root,
      });
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(out.stdout).toContain(
        '  kept specs/overview.md (the agent removed it; only a committed one is removed',
      );
      expect(readFileSync(join(r.root, 'specs', 'overview.md'), 'utf8')).toBe('# Shop, my notes\n');
    }
    // Committed, it is still the spec being decomposed: kept.
    r.git('add', 'specs/overview.md');
    r.git('commit', '-qm', 'spec');
    rmSync(join(r.root, 'specs', 'feature-001-a'), { recursive: true, force: true });
    const spec = await runBaton(['decompose', 'specs/overview.md', '--rounds', '1', '--force'], {
      cwd: r.root,
    });
    expect(spec.stdout).toContain('  kept specs/overview.md');
    expect(existsSync(join(r.root, 'specs', 'overview.md'))).toBe(true);
  });

  it('does not take the file its own output is redirected to in the repository for a write of the agent’s', () => {
    const r = repoWithAgent([contract('feature-001-a', 'a')]);
    const log = join(r.root, 'decompose.log');
    const fd = openSync(log, 'w');
    const out = spawnSync(process.execPath, [BATON_BIN, 'decompose', 'spec.md', '--rounds', '1'], {
      cwd: r.root,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    expect(out.status, readFileSync(log, 'utf8')).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('wrote specs/feature-001-a/contract.md');
  });

  it('refuses a spec over 1 MiB before starting anything (decompose/spec-too-large, exit 2)', async () => {
    const huge = `# Shop\n${'x'.repeat(1024 * 1024)}\n`;
    const r = repoWithAgent([contract('feature-001-a', 'a')], { 'big.md': huge });
    const out = await runBaton(['decompose', 'big.md'], { cwd: r.root });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`big.md is ${huge.length} bytes, more than a spec may hold (1 MiB)`);
    expect(out.stderr).toContain('decompose/spec-too-large');
    expect(out.stderr).not.toContain('internal error');
    expect(worktreeCount(r)).toBe(1);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('refuses to start over a symbolic link in the user’s specs folder, in one line', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a')]);
    mkdirSync(join(r.root, 'specs'));
    symlinkSync('..', join(r.root, 'specs', 'loop'));
    const out = await runBaton(['decompose', 'spec.md'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('specs/loop is a symbolic link; decompose copies regular files only');
    expect(out.stderr).not.toContain('internal error');
    expect(worktreeCount(r)).toBe(1);
  });

  it('checks every file before writing any: an existing file the agent changed writes nothing, and says how to accept it', async () => {
    const r = repoWithAgent(
      [contract('feature-001-a', 'a'), contract('feature-002-b', 'b'), 'echo more >> specs/zz-notes.md'],
      { 'specs/zz-notes.md': 'notes\n' },
    );
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'the kept round would overwrite 1 file(s) in specs/: specs/zz-notes.md (already there; the agent changed it); nothing was written',
    );
    expect(out.stderr).toContain('--force');
    expect(out.stderr).toMatch(/The scratch worktree is kept at .*decompose-/);
    expect(readdirSync(join(r.root, 'specs'))).toEqual(['zz-notes.md']);
    expect(worktreeCount(r)).toBe(2);
    const forced = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--force'], { cwd: r.root });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(r.root, 'specs/zz-notes.md'), 'utf8')).toBe('notes\nmore\n');
    expect(forced.stdout).toContain('wrote specs/feature-002-b/contract.md');
  });

  it('copies a binary file the agent adds byte for byte', async () => {
    const r = repoWithAgent([
      contract('feature-001-a', 'a'),
      contract('feature-002-b', 'b'),
      "printf '\\377\\376\\000\\200PNG' > specs/feature-001-a/diagram.png",
    ]);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.code).toBe(0);
    const bytes = readFileSync(join(r.root, 'specs/feature-001-a/diagram.png'));
    expect([...bytes]).toEqual([0xff, 0xfe, 0x00, 0x80, 0x50, 0x4e, 0x47]);
  });

  it('leaves no empty worktrees folder, and names the real agent log of a failed round', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a'), contract('feature-002-b', 'b')]);
    expect((await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root })).code).toBe(0);
    expect(existsSync(join(r.root, '..', 'repo.baton-worktrees'))).toBe(false);
    const failing = repoWithAgent([contract('feature-001-a', 'a'), 'exit 3']);
    const failed = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: failing.root });
    const log = /its output is in (\S+);/.exec(failed.stdout)?.[1] ?? '';
    expect(log).toMatch(/^\.baton\/decompose\/[^<]+\/round-1\/agent\.log$/);
    expect(existsSync(join(failing.root, log))).toBe(true);
  });

  it('reads the spec only from a regular file of reasonable size, refusing in one line', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a')]);
    const folder = await runBaton(['decompose', '.'], { cwd: r.root });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('baton: . is a folder, not a regular file');
    expect(folder.stderr).not.toContain('EISDIR');
    const device = await runBaton(['decompose', '/dev/zero'], { cwd: r.root });
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('/dev/zero is a character device, not a regular file');
    writeFileSync(join(r.root, 'huge.md'), 'x'.repeat(1024 * 1024 + 1));
    const huge = await runBaton(['decompose', 'huge.md'], { cwd: r.root });
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('huge.md is 1048577 bytes, more than a spec may hold (1 MiB)');
    // Empty or blank: no agent session is spent inventing features from nothing.
    writeFileSync(join(r.root, 'blank.md'), '\n  \n\t\n');
    const blank = await runBaton(['decompose', 'blank.md'], { cwd: r.root });
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('baton: blank.md is empty [decompose/no-spec]');
    expect(worktreeCount(r)).toBe(1);
  });

  it('says an agent that ran past timeout_minutes was stopped for it, not killed by a signal', async () => {
    const r = repoWithAgent(['sleep 30']);
    const config = JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8'));
    r.write({ 'baton.config.json': JSON.stringify({ ...config, timeout_minutes: 0.01 }) });
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr + out.stdout).toContain(
      'the agent ran past its timeout of 0.6 s (timeout_minutes in the config) and was stopped',
    );
    expect(JSON.parse(out.stdout).rounds[0]).toMatchObject({ exit_code: null, timed_out_after_ms: 600 });
  });
});
