/**
 * Several git commands in one shell: arguments reach git byte for byte whatever they hold, a
 * failure stops the sequence unless the step may fail, and a commit with nothing staged is no
 * commit — all against a real repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitDeadlineError } from '../../src/git/deadline.js';
import { commitOnBranch, gitSequence, MAX_STEPS } from '../../src/git/sequence.js';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { gitShim } from '../rig/git-shim.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repo(): TempRepo {
  const r = makeRepo({ 'README.md': '# app\n' });
  repos.push(r);
  return r;
}

describe('gitSequence', () => {
  it('passes arguments with quotes, spaces, newlines and shell syntax to git unchanged', async () => {
    const r = repo();
    const message = `it's "quoted" $(touch PWNED) \`x\` ; rm -rf / \n second line \\ end`;
    const out = await gitSequence(r.root, [
      { args: ['commit', '--allow-empty', '-q', '--cleanup=verbatim', '-m', message] },
      { args: ['log', '-1', '--format=%B'] },
    ]);
    expect(out.map((o) => o.exitCode)).toEqual([0, 0]);
    expect(out[1]?.stdout).toBe(`${message}\n\n`);
    expect(r.git('status', '--porcelain')).toBe('');
  });

  it('stops at a failing step unless it may fail, and keeps each step’s output apart', async () => {
    const r = repo();
    const out = await gitSequence(r.root, [
      { args: ['rev-parse', 'no-such-ref'], mayFail: true },
      { args: ['rev-parse', 'HEAD'] },
      { args: ['rev-parse', 'no-such-ref'] },
      { args: ['rev-parse', 'HEAD'] },
    ]);
    expect(out.map((o) => [o.ran, o.exitCode === 0])).toEqual([
      [true, false],
      [true, true],
      [true, false],
      [false, false],
    ]);
    expect(out[1]?.stdout.trim()).toBe(r.git('rev-parse', 'HEAD'));
    expect(out[0]?.stderr).toContain('no-such-ref');
  });
  it('writes nothing to disk: outputs, errors and exit codes come back through pipes', async () => {
    const r = repo();
    const tmp = mkdtempSync(join(tmpdir(), 'baton-seq-tmp-'));
    const saved = process.env.TMPDIR;
    // A temporary folder that cannot be written: a sequence that needed one would fail.
    process.env.TMPDIR = join(tmp, 'missing');
    try {
      const out = await gitSequence(r.root, [
        { args: ['rev-parse', 'HEAD'] },
        { args: ['cat-file', '-p', 'no-such-object'], mayFail: true },
        { args: ['ls-files', '-z'] },
      ]);
      expect(out.map((o) => o.exitCode)).toEqual([0, 128, 0]);
      expect(out[2]?.stdout).toBe('README.md\0');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('keeps a step’s stderr whole, whatever it holds, and never takes it for another step’s record', async () => {
    const r = repo();
    // git echoes the bad revision back: newlines and a forged record inside it stay that step's words.
    const forged = 'x\n1 0 forged\n2 0 ';
    const out = await gitSequence(r.root, [
      { args: ['rev-parse', '--verify', forged], mayFail: true },
      { args: ['rev-parse', 'HEAD'] },
    ]);
    expect(out[0]?.exitCode).not.toBe(0);
    expect(out[1]).toMatchObject({ ran: true, exitCode: 0, stderr: '' });
    expect(out[1]?.stdout.trim()).toBe(r.git('rev-parse', 'HEAD'));
  });

  it(`refuses more than ${MAX_STEPS} steps (a shell names file descriptors up to 9)`, async () => {
    const r = repo();
    const steps = Array.from({ length: MAX_STEPS + 1 }, () => ({ args: ['rev-parse', 'HEAD'] }));
    await expect(gitSequence(r.root, steps)).rejects.toThrow(/at most 7 steps/);
    const seven = await gitSequence(r.root, steps.slice(0, MAX_STEPS));
    expect(seven.map((o) => o.stdout.trim())).toEqual(Array(MAX_STEPS).fill(r.git('rev-parse', 'HEAD')));
  });
});

describe('commitOnBranch on its branch', () => {
  const onMain = (base: string) => ({ ref: 'refs/heads/main', base });
  it('commits everything and lists the files changed since the fork point', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.commit('own commit', { 'a.txt': 'a\n' });
    r.write({ 'b b.txt': 'b\n', 'README.md': '# changed\n' });
    const c = await commitOnBranch(r.root, 'work', base, onMain(base));
    expect(c?.commit).toBe(r.git('rev-parse', 'HEAD'));
    expect(c?.head).toBe(c?.commit);
    expect(c?.files.sort()).toEqual(['README.md', 'a.txt', 'b b.txt']);
    expect(r.git('log', '-1', '--format=%s')).toBe('work');
    expect(r.git('status', '--porcelain')).toBe('');
  });

  it('names the paths the commit holds as gitlinks (a nested repository), from the same diff', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.write({ 'nest/n.txt': 'n\n', 'a.txt': 'a\n' });
    const nested = join(r.root, 'nest');
    for (const args of [
      ['init', '-q'],
      ['add', 'n.txt'],
      ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qm', 'n'],
    ])
      r.git('-C', nested, ...args);
    const c = await commitOnBranch(r.root, 'work', base, onMain(base));
    expect(c?.files.sort()).toEqual(['a.txt', 'nest']);
    expect(c?.gitlinks).toEqual(['nest']);
  });

  it('makes no commit when nothing changed, and still reports HEAD and the files', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.commit('own commit', { 'a.txt': 'a\n' });
    const head = r.git('rev-parse', 'HEAD');
    const c = await commitOnBranch(r.root, 'work', base, onMain(base));
    expect(c).toBeDefined();
    expect(c?.commit).toBeUndefined();
    expect(c?.head).toBe(head);
    expect(c?.files).toEqual(['a.txt']);
  });
});

describe('commitOnBranch', () => {
  /** A repository on branch `baton/f` made from its first commit (the base), with `a.txt` written. */
  const onFeatureBranch = () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.git('checkout', '-q', '-b', 'baton/f');
    r.write({ 'a.txt': 'a\n' });
    return { r, base, on: { ref: 'refs/heads/baton/f', base } };
  };

  it('commits on the branch, also above commits of the agent’s own', async () => {
    const { r, base, on } = onFeatureBranch();
    r.commit('agent', { 'b.txt': 'b\n' });
    r.write({ 'c.txt': 'c\n' });
    const c = await commitOnBranch(r.root, 'work', base, on);
    expect(c?.commit).toBe(r.git('rev-parse', 'baton/f'));
    expect(c?.files.sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it.each([
    ['switched to another branch', (r: TempRepo) => r.git('checkout', '-q', '-b', 'elsewhere')],
    ['detached HEAD', (r: TempRepo) => r.git('checkout', '-q', '--detach')],
    ['deleted its branch (unborn)', (r: TempRepo) => r.git('update-ref', '-d', 'refs/heads/baton/f')],
    [
      'reset below the base',
      (r: TempRepo) => {
        r.git('checkout', '-q', '--orphan', 'tmp');
        r.git('commit', '-q', '--allow-empty', '-m', 'root');
        r.git('branch', '-f', 'baton/f', 'tmp');
        r.git('checkout', '-q', 'baton/f');
      },
    ],
  ] as Array<[string, (r: TempRepo) => void]>)(
    'stages and commits nothing when the agent %s',
    async (_what, move) => {
      const { r, base, on } = onFeatureBranch();
      move(r);
      const refs = r.git('for-each-ref', '--format=%(refname) %(objectname)');
      const status = r.git('status', '--porcelain');
      expect(await commitOnBranch(r.root, 'work', base, on)).toBeUndefined();
      expect(r.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refs);
      expect(r.git('status', '--porcelain')).toBe(status);
    },
  );
});

describe('commitOnBranch in a linked worktree, reading HEAD and the tip from git’s files', () => {
  /** A worktree on `baton/f` from the first commit, `a.txt` written, and the guard told the common folder. */
  const worktreeOnBranch = () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    const wt = join(r.root, '..', 'wt-f');
    r.git('worktree', 'add', '-q', '-b', 'baton/f', wt, base);
    writeFileSync(join(wt, 'a.txt'), 'a\n');
    const inWt = (...args: string[]) => execFileSync('git', args, { cwd: wt, encoding: 'utf8' }).trim();
    return { r, wt, inWt, base, on: { ref: 'refs/heads/baton/f', base, commonDir: join(r.root, '.git') } };
  };

  it('commits on the branch and reports the new tip as HEAD', async () => {
    const { r, wt, inWt, base, on } = worktreeOnBranch();
    const c = await commitOnBranch(wt, 'work', base, on);
    expect(c?.commit).toBe(r.git('rev-parse', 'baton/f'));
    expect(c?.head).toBe(c?.commit);
    expect(c?.files).toEqual(['a.txt']);
    expect(inWt('status', '--porcelain')).toBe('');
  });

  it('starts git only to stage, commit and list the files: HEAD and the tip come from the files', async () => {
    const { r, wt, base, on } = worktreeOnBranch();
    const shim = gitShim(join(r.root, '..'));
    const saved = process.env.PATH;
    process.env.PATH = shim.path;
    try {
      expect(await commitOnBranch(wt, 'work', base, on)).toBeDefined();
    } finally {
      process.env.PATH = saved;
    }
    const verbs = shim.calls().map((c) => c.replace(/^(-c \S+ )+/, '').split(' ')[0]);
    expect(verbs).toEqual(['add', 'commit', 'diff']);
  });

  it('asks git when the refs are packed (no loose ref file), with the same result', async () => {
    const { r, wt, base, on } = worktreeOnBranch();
    r.git('pack-refs', '--all');
    expect(existsSync(join(r.root, '.git', 'refs', 'heads', 'baton', 'f'))).toBe(false);
    const c = await commitOnBranch(wt, 'work', base, on);
    expect(c?.commit).toBe(r.git('rev-parse', 'baton/f'));
    expect(c?.files).toEqual(['a.txt']);
  });

  it.each([
    [
      'switched to another branch',
      (inWt: (...a: string[]) => string) => inWt('checkout', '-q', '-b', 'elsewhere'),
    ],
    ['detached HEAD', (inWt: (...a: string[]) => string) => inWt('checkout', '-q', '--detach')],
    [
      'deleted its branch (unborn)',
      (inWt: (...a: string[]) => string) => inWt('update-ref', '-d', 'refs/heads/baton/f'),
    ],
    [
      'reset below the base',
      (inWt: (...a: string[]) => string) => {
        inWt('checkout', '-q', '--orphan', 'tmp');
        inWt('commit', '-q', '--allow-empty', '-m', 'root');
        inWt('branch', '-f', 'baton/f', 'tmp');
        inWt('checkout', '-q', 'baton/f');
      },
    ],
  ] as Array<[string, (inWt: (...a: string[]) => string) => void]>)(
    'stages and commits nothing when the agent %s',
    async (_what, move) => {
      const { r, wt, inWt, base, on } = worktreeOnBranch();
      move(inWt);
      const refs = r.git('for-each-ref', '--format=%(refname) %(objectname)');
      const status = inWt('status', '--porcelain');
      expect(await commitOnBranch(wt, 'work', base, on)).toBeUndefined();
      expect(r.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refs);
      expect(inWt('status', '--porcelain')).toBe(status);
    },
  );

  it('does not take a ref file that is not an object id: git is asked, and it refuses the broken branch', async () => {
    const { r, wt, base, on } = worktreeOnBranch();
    writeFileSync(join(r.root, '.git', 'refs', 'heads', 'baton', 'f'), `${base}; touch PWNED\n`);
    expect(await commitOnBranch(wt, 'work', base, on)).toBeUndefined();
    expect(existsSync(join(wt, 'PWNED'))).toBe(false);
  });
});

describe('gitSequence at its deadline', () => {
  it('settles without waiting for a process that left the group holding its pipes', async () => {
    const r = repo();
    const pidFile = join(r.root, '..', `${r.root.split('/').pop()}-holder.pid`);
    // A clean filter (as an agent may configure) that leaves a process in a session of its own,
    // holding git's stderr and the step's output pipe for 60 s.
    const filter = join(r.root, '.git', 'holder.sh');
    writeFileSync(filter, `setsid sleep 60 </dev/null & echo $! > '${pidFile}'\ncat\n`);
    r.git('config', 'filter.holder.clean', `sh ${filter}`);
    r.write({ '.gitattributes': '*.txt filter=holder\n', 'a.txt': 'a\n' });
    try {
      // Without settling at the deadline this waits the holder's 60 s: the test's own limit fails it.
      await expect(
        gitSequence(r.root, [{ args: ['add', '--all'] }], { deadlineMs: 1000 }),
      ).rejects.toBeInstanceOf(GitDeadlineError);
    } finally {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {}
      rmSync(pidFile, { force: true });
    }
  }, 20_000);

  it('stops git with SIGTERM first, so it removes its own index.lock', async () => {
    const r = repo();
    const fifo = join(r.root, 'd', '.gitignore');
    r.write({ 'd/x': 'x\n' });
    execFileSync('mkfifo', [fifo]);
    try {
      await expect(
        gitSequence(r.root, [{ args: ['add', '--all'] }], { deadlineMs: 500 }),
      ).rejects.toBeInstanceOf(GitDeadlineError);
      expect(existsSync(join(r.root, '.git', 'index.lock'))).toBe(false);
    } finally {
      // A git still waiting on the FIFO is let go: a writer opens and closes it.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {}
      rmSync(fifo, { force: true });
    }
  }, 20_000);
});

describe('a shell that cannot start for want of open files (EMFILE)', () => {
  it('fails the run clearly, naming the cause and the fix, never a TypeError or an unhandled error', () => {
    const r = makeRepo();
    repos.push(r);
    const ids = Array.from({ length: 12 }, (_, i) => `f${i + 1}`);
    r.commit(
      'contracts',
      contractFiles(
        ids.map((id) => ({ id, agent: { command: `mkdir -p src/${id} && echo hi > src/${id}/x.txt` } })),
      ),
    );
    // 30 descriptors: Node starts, and the first shell of git steps (or a later one) cannot.
    const run = spawnSync(
      'bash',
      ['-c', 'ulimit -n 30 && exec "$@"', 'sh', process.execPath, BATON_BIN, 'run', '-j', '12'],
      {
        cwd: r.root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const status = spawnSync(process.execPath, [BATON_BIN, 'status'], { cwd: r.root, encoding: 'utf8' });
    const said = `${run.stdout}${run.stderr}${status.stdout}`;
    expect(said).not.toMatch(/Cannot read properties|Unhandled 'error'|internal error|\n\s+at /);
    expect(said).toMatch(/could not start \/bin\/sh: too many open files \(EMFILE\)/);
    expect(said).toContain('[process/out-of-resources]');
    expect(run.status).toBe(1);
  }, 60_000);
});
