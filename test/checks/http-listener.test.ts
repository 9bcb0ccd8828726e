// An HTTP check measures the contract's `serve` command, never a server something else left on the port.

import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHttpCheck } from '../../src/checks/http-check.js';
import { parseListeners, proveListener } from '../../src/checks/listener-proof.js';
import { freePortBase, makeProject, serveFixture } from './rig.js';

const project = makeProject();

function check(port: number, serve: string) {
  return runHttpCheck({
    check: { url: '/', p95_ms: 500, requests: 5, warmup: 0, start_timeout_s: 5 },
    serve,
    cwd: project.root,
    env: { ...process.env, PORT: String(port) },
    port,
    timeoutMs: 10_000,
    outputFile: join(project.root, 'serve.log'),
    stateDir: project.root,
    onWarning: (message: string) => expect.fail(message),
  });
}

describe('who answers an HTTP check', () => {
  it('names the process holding the port when serve cannot start there', async () => {
    const port = await freePortBase();
    const holder = createServer((_q, s) => s.end('ok'));
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const verdict = await check(port, 'exit 0');
      const message = verdict === 'interrupted' ? '' : verdict.message;
      expect(message).toContain(`port ${port} is already in use by pid ${process.pid} (`);
      expect(message).toContain(`; stop it (kill ${process.pid}) and verify again`);
    } finally {
      holder.close();
    }
  });

  it('fails when a process the serve command did not start takes the port while serve never listens', async () => {
    const port = await freePortBase();
    const pending = check(port, 'sleep 5');
    // The leftover daemon binds once Baton found the port free and started serve.
    await new Promise((r) => setTimeout(r, 200));
    const daemon = createServer((_q, s) => s.end('ok')).listen(port, '127.0.0.1');
    try {
      const verdict = await pending;
      expect(verdict).toMatchObject({ outcome: 'failed' });
      const message = verdict === 'interrupted' ? '' : verdict.message;
      expect(message).toContain(
        `port ${port} answered, but from a process that the serve command did not start (pid ${process.pid})`,
      );
      expect(message).toContain('[checks/foreign-listener]');
    } finally {
      daemon.close();
    }
  });

  it('passes when the listener is the serve command’s own', async () => {
    const port = await freePortBase();
    const verdict = await check(port, serveFixture('delay-server.js'));
    expect(verdict).toMatchObject({ outcome: 'passed' });
  });

  it('reads LISTEN sockets of a port from /proc/net/tcp tables', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:A028 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1',
      '   1: 0100007F:A028 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1',
      '   2: 00000000:A029 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1',
    ].join('\n');
    expect([...parseListeners([table], 41000)]).toEqual(['111']);
    expect(proveListener(1, undefined)).toMatchObject({ state: 'unknown' });
  });
});
