import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendLine } from '../../src/log/append.js';
import { readLog } from '../../src/log/read.js';
import { renderTable } from '../../src/terminal/style.js';
import { escapeControl } from '../../src/text/escape.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { BATON_BIN, built, expectErrorLine, hostileRepo, printedError, runBin, watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function repo(): TempRepo {
  const r = makeRepo();
  cleanups.push(() => r.cleanup());
  return r;
}
const hook = { feature_id: 'feature-001-a', status: 'running' };

/** The repository's log path, its `.baton/` folder made. */
function logOf(r: TempRepo): string {
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  return join(r.root, '.baton', 'log.jsonl');
}

describe('adversarial: the log is data, not a device', () => {
  it('refuses to append through a symlink: the target is untouched and the error is one log/unusable line', async () => {
    const r = hostileRepo({ 'feature-001-a': 'true' });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    // The log points at the canary beside the repository: an agent could point it at /etc/passwd.
    const log = logOf(r);
    symlinkSync(join(dirname(r.root), 'canary.txt'), log);
    expectErrorLine(await printedError(() => appendLine(log, hook)), 'log/unusable');
    const viaHook = await runBaton(['hook', 'stop', '--feature', 'feature-001-a', '--status', 'complete'], {
      cwd: r.root,
    });
    expect(viaHook.code).toBe(1);
    expectErrorLine(viaHook.stderr, 'log/unusable');
    world.expectUntouched();
  });

  it('refuses a log that is a hard link to a file elsewhere: nothing appended, nothing read, one log/unusable line', async () => {
    const r = hostileRepo({ 'feature-001-a': 'true' });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    // `ln ~/.bashrc .baton/log.jsonl`: no symlink to refuse, yet every append would land in that file.
    const log = logOf(r);
    linkSync(join(dirname(r.root), 'canary.txt'), log);
    expectErrorLine(await printedError(() => appendLine(log, hook)), 'log/unusable');
    expectErrorLine(await printedError(() => readLog(log)), 'log/unusable');
    for (const args of [
      ['hook', 'stop', '--feature', 'feature-001-a', '--status', 'complete'],
      ['phase', 'start', 'planning'],
      ['status'],
    ]) {
      const res = await runBaton(args, { cwd: r.root });
      expect(res.code, args.join(' ')).toBe(1);
      expect(expectErrorLine(res.stderr, 'log/unusable')).toContain('hard links');
    }
    world.expectUntouched();
  });

  it('writes a newline first after a torn line, so the next event is not swallowed', async () => {
    const r = repo();
    const world = watchWorld(r);
    const log = logOf(r);
    writeFileSync(log, '{"feature_id":"feature-001-a","sta');
    const res = await runBaton(['hook', 'stop', '--feature', 'feature-002-b', '--status', 'complete'], {
      cwd: r.root,
    });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(events.map((e) => (e as { feature_id: string }).feature_id)).toEqual(['feature-002-b']);
    expect(problems).toHaveLength(1);
    world.expectUntouched();
  });

  it('refuses to write a line over 1 MiB, and the reader skips one without losing the next event', async () => {
    const r = repo();
    const world = watchWorld(r);
    const log = logOf(r);
    const refused = await printedError(() =>
      appendLine(log, { feature_id: 'x', status: 'running', blob: 'a'.repeat(2 << 20) }),
    );
    expectErrorLine(refused, 'log/line-too-long');
    appendFileSync(log, `{"feature_id":"big","status":"running","blob":"${'a'.repeat(3 << 20)}"}\n`);
    appendLine(log, hook);
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(events).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/longer than 1048576 bytes/);
    expect(problems[0]?.text.length).toBeLessThan(300);
    const status = await runBaton(['status', '--json'], { cwd: r.root });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ features: [{ feature_id: 'feature-001-a' }] });
    world.expectUntouched();
  });

  it.each([
    ['a directory', (p: string) => mkdirSync(p)],
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
    [
      'a symlink to a file outside',
      (p: string) => symlinkSync(join(dirname(dirname(dirname(p))), 'canary.txt'), p),
    ],
  ])(
    'a log that is %s gives one log/unusable line in every command, and nothing hangs',
    async (_what, make) => {
      const r = hostileRepo({ 'feature-001-a': 'mkdir -p src/feature-001-a && touch src/feature-001-a/x' });
      cleanups.push(() => r.cleanup());
      const world = watchWorld(r);
      make(logOf(r));
      const lines = new Set<string>();
      for (const args of [
        ['status'],
        ['status', '--json'],
        ['report'],
        ['run'],
        ['hook', 'stop', '--feature', 'feature-001-a'],
      ]) {
        const res = await runBaton(args, { cwd: r.root });
        expect(res.code, args.join(' ')).toBe(1);
        lines.add(expectErrorLine(res.stderr, 'log/unusable'));
      }
      // One wording: the writer (`hook`, `run`) says what the log is as the readers do.
      expect([...lines]).toHaveLength(1);
      expect(r.git('branch', '--list', 'baton/*')).toBe('');
      world.expectUntouched();
    },
  );

  it.runIf(built).each([
    ['a directory', (p: string) => mkdirSync(p), false],
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p]), true],
    [
      'a symlink to a file outside',
      (p: string) => symlinkSync(join(dirname(dirname(dirname(p))), 'canary.txt'), p),
      false,
    ],
  ])(
    'a log that is %s gives one log/unusable line in the commands that read it from its end (stop, attach, send, integrate)',
    async (_what, make, fifo) => {
      const r = hostileRepo({ 'feature-001-a': 'true' });
      cleanups.push(() => r.cleanup());
      const world = watchWorld(r);
      make(logOf(r));
      for (const args of [
        ['stop'],
        ['attach'],
        ['send', 'feature-001-a', 'hi'],
        ['integrate', '--predict-only'],
        ['integrate'],
      ]) {
        // The FIFO in real processes with a deadline: the old reader blocked in open() on one, deaf to
        // signals, which would hang this process. Nothing blocks on the others: the CLI in-process.
        const res = fifo
          ? runBin(args, { cwd: r.root, timeoutMs: 20_000 })
          : await runBaton(args, { cwd: r.root });
        expect(res.code, args.join(' ')).toBe(1);
        expectErrorLine(res.stderr, 'log/unusable');
      }
      world.expectUntouched();
    },
  );

  it.each([
    ['--log .baton (all of Baton’s state)', (root: string) => ['--log', join(root, '.baton')], {}],
    ['--log .', (root: string) => ['--log', root], {}],
    ['BATON_LOG naming a folder of the user’s', () => [], { folder: 'my folder' }],
  ])(
    'a log path that is a folder, given as %s, must name a file: nothing advises moving it',
    async (_, flags, o) => {
      const r = repo();
      mkdirSync(join(r.root, '.baton'), { recursive: true });
      mkdirSync(join(r.root, 'my folder'));
      // Absolute paths: the CLI runs in this process, whose cwd is not the repository's.
      const env = 'folder' in o ? { BATON_LOG: join(r.root, o.folder) } : {};
      const res = await runBaton(['hook', 'stop', '--feature', 'feature-001-a', ...flags(r.root)], {
        cwd: r.root,
        env,
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('it is a directory [log/unusable]');
      expect(res.stderr).toContain('A log must name a file: name a regular file with --log or BATON_LOG');
      expect(res.stderr).not.toMatch(/\bmv\b/);
    },
  );

  it('a FIFO in place of Baton’s own log is to be moved aside, its paths quoted; one of the user’s choosing is not', async () => {
    const r = repo();
    // Baton's own layout (<root>/.baton/log.jsonl) under a folder whose name needs quoting.
    const log = join(r.root, 'a b', '.baton', 'log.jsonl');
    mkdirSync(dirname(log), { recursive: true });
    execFileSync('mkfifo', [log]);
    const stop = ['hook', 'stop', '--feature', 'feature-001-a', '--log'];
    const res = await runBaton([...stop, log], { cwd: r.root });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`mv '${log}' '${log}.bad'`);
    const fifo = join(r.root, 'their fifo');
    execFileSync('mkfifo', [fifo]);
    const theirs = await runBaton([...stop, fifo], { cwd: r.root });
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toContain('Name a regular file with --log or BATON_LOG');
    expect(theirs.stderr).not.toMatch(/\bmv\b/);
  });

  it('prints ids and messages from the log with control characters escaped', async () => {
    expect(escapeControl('a\u001b]0;pwned\u0007b\rc')).toBe('a\\x1b]0;pwned\\x07b\\rc');
    expect(renderTable(['id'], [['\u001b[2Jgone']])).toBe('id\n\\x1b[2Jgone');
    const r = repo();
    const world = watchWorld(r);
    writeFileSync(
      logOf(r),
      `${JSON.stringify({ feature_id: 'x\u001b[2J\u001b]0;owned\u0007', status: 'running' })}\n`,
    );
    const status = await runBaton(['status'], { cwd: r.root });
    expect(status.stdout + status.stderr).not.toContain('\u001b');
    // An id no contract could have is a problem line (docs/security.md), never a feature.
    expect(status.stdout).not.toContain('owned');
    expect(status.stderr).toMatch(/log\.jsonl:1: skipped: "feature_id" must be a feature id/);
    world.expectUntouched();
  });
});

describe.runIf(built)('adversarial: baton hook reads its payload until EOF', () => {
  const runHook = (cwd: string, write: (stdin: NodeJS.WritableStream) => void): Promise<number> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BATON_BIN, 'hook', 'stop', '--feature', 'feature-001-a'], {
        cwd,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.on('exit', (code) => resolve(code ?? -1));
      write(child.stdin);
    });

  it('reads a payload that arrives late and one over 64 KiB', async () => {
    const r = repo();
    const world = watchWorld(r);
    const late = await runHook(r.root, (stdin) => {
      setTimeout(() => stdin.end(JSON.stringify({ session_id: 'late-1' })), 400);
    });
    const big = await runHook(r.root, (stdin) => {
      stdin.end(JSON.stringify({ session_id: 'big-1', last_assistant_message: 'm'.repeat(200_000) }));
    });
    expect([late, big]).toEqual([0, 0]);
    const sessions = readLog(logOf(r)).events.map((e) => (e as { session_id?: string }).session_id);
    expect(sessions).toEqual(['late-1', 'big-1']);
    world.expectUntouched();
  });
});

describe('adversarial: baton hook takes only a feature id of the contracts shape', () => {
  it.each([
    ['a path', ['--feature', '../x']],
    ['5,000 characters', ['--feature', 'a'.repeat(5000)]],
    ['an ESC sequence', ['--feature', 'h\u001b[31m']],
  ])('refuses %s with a usage error and writes nothing to the log', async (_what, flag) => {
    const r = repo();
    const res = await runBaton(['hook', 'stop', ...flag], { cwd: r.root });
    expect(res.code).toBe(2);
    expect(expectErrorLine(res.stderr, 'hook/bad-feature')).toContain('is not a feature id');
    expect(res.stderr).not.toContain('\u001b');
    expect(res.stderr.length).toBeLessThan(400);
    expect(readLog(logOf(r)).events).toEqual([]);
  });

  it('refuses a bad BATON_FEATURE_ID the same way', async () => {
    const r = repo();
    const res = await runBaton(['hook', 'stop'], { cwd: r.root, env: { BATON_FEATURE_ID: '../../etc' } });
    expect(res.code).toBe(2);
    expectErrorLine(res.stderr, 'hook/bad-feature');
  });
});
