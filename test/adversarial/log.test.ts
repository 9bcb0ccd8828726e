import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendLine } from '../../src/log/append.js';
import { readLog } from '../../src/log/read.js';
import { renderTable } from '../../src/terminal/style.js';
import { escapeControl } from '../../src/text/escape.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { BATON_BIN, built } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'baton-adv-log-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function repo(): TempRepo {
  const r = makeRepo();
  cleanups.push(() => r.cleanup());
  return r;
}
const hook = { feature_id: 'feature-001-a', status: 'running' };

describe('adversarial: the log is data, not a device', () => {
  it('refuses to append through a symlink: the target is untouched and the error is log/unusable', () => {
    const dir = tempDir();
    const target = join(dir, 'passwd');
    writeFileSync(target, 'root:x:0:0\n');
    const log = join(dir, 'log.jsonl');
    symlinkSync(target, log);
    expect(() => appendLine(log, hook)).toThrow(expect.objectContaining({ code: 'log/unusable' }));
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n');
  });

  it('writes a newline first after a torn line, so the next event is not swallowed', () => {
    const log = join(tempDir(), 'log.jsonl');
    writeFileSync(log, '{"feature_id":"feature-001-a","sta');
    appendLine(log, { feature_id: 'feature-002-b', status: 'complete' });
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(events.map((e) => (e as { feature_id: string }).feature_id)).toEqual(['feature-002-b']);
    expect(problems).toHaveLength(1);
  });

  it('refuses to write a line over 1 MiB, and the reader skips one without losing the next event', () => {
    const log = join(tempDir(), 'log.jsonl');
    expect(() => appendLine(log, { feature_id: 'x', status: 'running', blob: 'a'.repeat(2 << 20) })).toThrow(
      expect.objectContaining({ code: 'log/line-too-long' }),
    );
    appendFileSync(log, `{"feature_id":"big","status":"running","blob":"${'a'.repeat(3 << 20)}"}\n`);
    appendLine(log, hook);
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(events).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/longer than 1048576 bytes/);
    expect(problems[0]?.text.length).toBeLessThan(300);
  });

  it.each([
    ['a directory', (p: string) => mkdirSync(p)],
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
    ['a symlink to a file outside', (p: string) => symlinkSync('/etc/hostname', p)],
  ])(
    'a log that is %s gives one clear log/unusable error in status, and nothing hangs',
    async (_what, make) => {
      const r = repo();
      mkdirSync(join(r.root, '.baton'), { recursive: true });
      make(join(r.root, '.baton', 'log.jsonl'));
      const status = await runBaton(['status'], { cwd: r.root });
      expect(status.code).toBe(1);
      expect(status.stderr).toMatch(/log\/unusable/);
      expect(status.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
  );

  it('prints ids and messages from the log with control characters escaped', async () => {
    expect(escapeControl('a\u001b]0;pwned\u0007b\rc')).toBe('a\\x1b]0;pwned\\x07b\\rc');
    expect(renderTable(['id'], [['\u001b[2Jgone']])).toBe('id\n\\x1b[2Jgone');
    const r = repo();
    mkdirSync(join(r.root, '.baton'));
    writeFileSync(
      join(r.root, '.baton', 'log.jsonl'),
      `${JSON.stringify({ feature_id: 'x\u001b[2J\u001b]0;owned\u0007', status: 'running' })}\n`,
    );
    const status = await runBaton(['status'], { cwd: r.root });
    expect(status.stdout).not.toContain('\u001b');
    expect(status.stdout).toContain('x\\x1b[2J\\x1b]0;owned\\x07');
  });
});

describe.runIf(built)('adversarial: baton hook reads its payload until EOF', () => {
  const runHook = (log: string, write: (stdin: NodeJS.WritableStream) => void): Promise<number> =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [BATON_BIN, 'hook', 'stop', '--feature', 'feature-001-a', '--log', log],
        {
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      child.on('exit', (code) => resolve(code ?? -1));
      write(child.stdin);
    });

  it('reads a payload that arrives late and one over 64 KiB', async () => {
    const log = join(tempDir(), 'log.jsonl');
    const late = await runHook(log, (stdin) => {
      setTimeout(() => stdin.end(JSON.stringify({ session_id: 'late-1' })), 400);
    });
    const big = await runHook(log, (stdin) => {
      stdin.end(JSON.stringify({ session_id: 'big-1', last_assistant_message: 'm'.repeat(200_000) }));
    });
    expect([late, big]).toEqual([0, 0]);
    const sessions = readLog(log).events.map((e) => (e as { session_id?: string }).session_id);
    expect(sessions).toEqual(['late-1', 'big-1']);
  });
});
