import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DASHBOARD_PORT } from '../../src/cli/dashboard.js';
import { isLoopbackHost } from '../../src/dashboard/auth.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const r of repos.splice(0)) r.cleanup();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

function repo(): TempRepo {
  const r = makeRepo({ 'README.md': '# x\n', ...contractFiles([{ id: 'feature-001-a' }]) });
  repos.push(r);
  return r;
}

/** Holds a port on 127.0.0.1 so the dashboard finds it taken; resolves with the port. */
function occupy(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host: '127.0.0.1' }, () => {
      servers.push(s);
      resolve((s.address() as { port: number }).port);
    });
  });
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const port = await occupy(0);
  const s = servers.pop();
  await new Promise((resolve) => s?.close(resolve));
  return port ?? 0;
}

/** Runs `baton dashboard …` in-process and interrupts it as soon as it is serving. */
async function serveThenInterrupt(args: string[], cwd: string, whileServing?: () => Promise<void>) {
  return runBaton(['dashboard', ...args], {
    cwd,
    interrupt: (fire) => {
      void (whileServing ?? (async () => {}))().finally(fire);
    },
  });
}

describe('baton dashboard', () => {
  it('documents its options and its safety in --help', async () => {
    const r = await runBaton(['dashboard', '--help'], { cwd: repo().root });
    expect(r.code).toBe(0);
    for (const text of ['--port', '--host', '--open', '--json', 'read-only', 'token', '127.0.0.1']) {
      expect(r.stdout).toContain(text);
    }
  });

  it('prints the URL with its token, serves until interrupted, then stops', async () => {
    const r0 = repo();
    const port = await freePort();
    let status = 0;
    const r = await serveThenInterrupt(['--port', String(port)], r0.root, async () => {
      status = (await fetch(`http://127.0.0.1:${port}/api/state`)).status;
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(status).toBe(401);
    expect(r.stdout).toMatch(
      // The page lives under a random path prefix (the session cookie is scoped to it), then the token.
      new RegExp(
        `^Baton dashboard: http://127\\.0\\.0\\.1:${port}/[A-Za-z0-9_-]+/\\?token=[A-Za-z0-9_-]{32}\\n`,
      ),
    );
    expect(r.stdout).toContain('dashboard stopped');
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('prints one JSON line with --json', async () => {
    const r0 = repo();
    const port = await freePort();
    const r = await serveThenInterrupt(['--port', String(port), '--json'], r0.root);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout.trim()) as { url: string; port: number; token: string; host: string };
    expect(printed.port).toBe(port);
    expect(printed.host).toBe('127.0.0.1');
    expect(printed.url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/[A-Za-z0-9_-]+/\\?token=${printed.token}$`),
    );
  });

  it('names the address it bound in the URL, never `localhost` (which a browser may resolve to another server on ::1)', async () => {
    const r0 = repo();
    let opened = 0;
    let printed: { url: string; host: string; port: number } | undefined;
    const r = await runBaton(['dashboard', '--host', 'localhost', '--port', '0', '--json'], {
      cwd: r0.root,
      onStdout: (out) => {
        if (!printed && out.includes('\n')) printed = JSON.parse(out.split('\n')[0] ?? '');
      },
      interrupt: (fire) => {
        void (async () => {
          while (!printed) await new Promise((resolve) => setTimeout(resolve, 10));
          opened = (await fetch(printed.url, { redirect: 'manual' })).status;
        })().finally(fire);
      },
    });
    expect(r.code).toBe(0);
    expect(printed?.url).not.toContain('localhost');
    expect(['127.0.0.1', '::1']).toContain(printed?.host);
    const urlHost = printed?.host === '::1' ? '\\[::1\\]' : '127\\.0\\.0\\.1';
    expect(printed?.url).toMatch(new RegExp(`^http://${urlHost}:${printed?.port}/[A-Za-z0-9_-]+/\\?token=`));
    // The address printed is the one that answers, and its Host header is accepted.
    expect(opened).toBe(303);
  });

  it('--open hands the opener a private file that redirects, never an address that opens the page', async () => {
    const r0 = repo();
    // A stand-in xdg-open that records the command line it was given (every local user can read it).
    const bin = join(r0.root, '..', `opener-bin-${process.pid}`);
    mkdirSync(bin, { recursive: true });
    const argvFile = join(bin, 'argv');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$*" > '${argvFile}'\n`, { mode: 0o755 });
    let opened = '';
    let page = '';
    let modes: number[] = [];
    let used = 0;
    const r = await runBaton(['dashboard', '--port', '0', '--open'], {
      cwd: r0.root,
      env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
      interrupt: (fire) => {
        void (async () => {
          const deadline = Date.now() + 5000;
          while (!existsSync(argvFile) && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 10));
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (!existsSync(argvFile)) return;
          opened = readFileSync(argvFile, 'utf8');
          const file = fileURLToPath(opened);
          page = readFileSync(file, 'utf8');
          modes = [statSync(dirname(file)).mode & 0o777, statSync(file).mode & 0o777];
          const target = /content="0;url=([^"]+)"/.exec(page)?.[1] ?? '';
          used = (await fetch(target, { redirect: 'manual' })).status;
        })().finally(fire);
      },
    });
    rmSync(bin, { recursive: true, force: true });
    expect(r.code).toBe(0);
    const printed = /(http:\S+\?token=[A-Za-z0-9_-]+)/.exec(r.stdout)?.[1];
    expect(printed).toBeDefined();
    // The command line names a file, nothing a spy could fetch to open the page.
    expect(opened).toMatch(/^file:\/\/\/\S+\/open\.html$/);
    expect(opened).not.toContain('http');
    expect(modes).toEqual([0o700, 0o600]);
    expect(page).toContain(`content="0;url=${printed}"`);
    expect(page).toContain(`location.replace(${JSON.stringify(printed)})`);
    expect(used).toBe(303);
    // Gone once the dashboard stops: the token does not outlive it on disk.
    expect(existsSync(fileURLToPath(opened))).toBe(false);
  });

  // Stand-in xdg-opens that fail: as the real one does with no browser to hand the page to (exit 3), and
  // one killed by a signal before it could say anything.
  it.each([
    ['exits with code 3', 'exit 3', 'xdg-open exited with code 3'],
    ['is killed by a signal', 'kill -TERM $$', 'xdg-open was killed by SIGTERM'],
  ])(
    '--open says, in one line, that the browser could not be opened and which URL to open, when the opener %s',
    async (_, script, why) => {
      const r0 = repo();
      const bin = join(r0.root, '..', `failing-opener-bin-${process.pid}`);
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      let told: () => void = () => {};
      const toldOrGaveUp = new Promise<void>((resolve) => {
        told = resolve;
        setTimeout(resolve, 10_000);
      });
      const r = await runBaton(['dashboard', '--port', '0', '--open'], {
        cwd: r0.root,
        env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
        onStderr: (err) => {
          if (err.includes('\n')) told();
        },
        interrupt: (fire) => void toldOrGaveUp.then(fire),
      });
      rmSync(bin, { recursive: true, force: true });
      expect(r.code).toBe(0);
      const printed = /(http:\S+\?token=[A-Za-z0-9_-]+)/.exec(r.stdout)?.[1];
      expect(printed).toBeDefined();
      expect(r.stderr).toBe(`could not open the page in a browser (${why}); open ${printed} yourself\n`);
    },
  );

  it('--open with a TMPDIR that does not exist: says so in the one "could not open" line and serves on', async () => {
    const r0 = repo();
    const before = process.env.TMPDIR;
    const missing = join(r0.root, '..', 'no-such-tmp');
    process.env.TMPDIR = missing;
    let told: () => void = () => {};
    const toldOrGaveUp = new Promise<void>((resolve) => {
      told = resolve;
      setTimeout(resolve, 10_000);
    });
    let answered = 0;
    let stdoutSeen = '';
    const r = await runBaton(['dashboard', '--port', '0', '--open'], {
      cwd: r0.root,
      onStderr: (err) => {
        if (err.includes('\n')) told();
      },
      interrupt: (fire) =>
        void toldOrGaveUp
          .then(async () => {
            const url = /(http:\S+\?token=[A-Za-z0-9_-]+)/.exec(stdoutSeen)?.[1];
            if (url) answered = (await fetch(url, { redirect: 'manual' })).status;
          })
          .finally(fire),
      onStdout: (out) => {
        stdoutSeen = out;
      },
    }).finally(() => {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    });
    expect(r.code, r.stderr).toBe(0);
    const printed = /(http:\S+\?token=[A-Za-z0-9_-]+)/.exec(r.stdout)?.[1];
    expect(r.stderr).toBe(
      `could not open the page in a browser (the temporary folder (TMPDIR) cannot be used: ${missing} does not exist [env/tmpdir]); open ${printed} yourself\n`,
    );
    expect(answered).toBe(303);
  });

  it('falls back to a free port when the default one is taken, but not when --port was given', async () => {
    const r0 = repo();
    await occupy(DEFAULT_DASHBOARD_PORT);
    const fallback = await serveThenInterrupt(['--json'], r0.root);
    expect(fallback.code).toBe(0);
    expect(JSON.parse(fallback.stdout).port).not.toBe(DEFAULT_DASHBOARD_PORT);

    const taken = await occupy(0);
    const r = await runBaton(['dashboard', '--port', String(taken)], { cwd: r0.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EADDRINUSE');
    expect(r.stderr).toContain('hint: Pick another port with --port N');
  });

  it('warns when asked to listen beyond loopback', async () => {
    const r = await serveThenInterrupt(['--host', '0.0.0.0', '--port', '0', '--json'], repo().root);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: listening on 0.0.0.0, not loopback');
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.10', '127.evil.example', '::ffff:10.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('judges loopback on the address bound: --host 127.1 is loopback, no warning', async () => {
    const r = await serveThenInterrupt(['--host', '127.1', '--port', '0', '--json'], repo().root);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.split('\n')[0] ?? '{}').host).toBe('127.0.0.1');
    expect(r.stderr).not.toContain('not loopback');
  });

  it('refuses an empty --host, which would bind every interface (`--host "$HOST"` with HOST unset)', async () => {
    for (const host of ['', ' ']) {
      const r = await runBaton(['dashboard', '--host', host, '--port', '0'], { cwd: repo().root });
      expect(r.code).toBe(2);
      // Refused before the action (src/cli/empty-flags.ts): an empty address would bind every interface.
      expect(r.stderr).toContain('baton: --host is empty [dashboard/empty-flag]');
      expect(r.stderr).toContain('hint: Give --host a value, or leave it out for its default (127.0.0.1).');
    }
  });

  it('rejects a port that is not a number with a usage error', async () => {
    const r = await runBaton(['dashboard', '--port', 'abc'], { cwd: repo().root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a port number');
  });
});
