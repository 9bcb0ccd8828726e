/**
 * The demo's features serve on ports of their own: a demo started while something already listens on
 * the default port base (another app, another demo) takes a free range instead of failing its checks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scaffoldDemo } from '../../src/demo/scaffold.js';
import { DEFAULT_PORT_BASE, isPortFree, portBlockFor } from '../../src/ports.js';

const undo: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const u of undo.splice(0).reverse()) await u();
});

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined)); // taken already: as good for this test
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
  });
}

describe('the demo project', () => {
  it('takes a port base whose blocks are free when the default one is taken', async () => {
    const taken = await listen(DEFAULT_PORT_BASE + 10);
    undo.push(() => new Promise<void>((r) => (taken ? taken.close(() => r()) : r())));
    const dir = join(mkdtempSync(join(tmpdir(), 'baton-demo-ports-')), 'repo');
    undo.push(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
    await scaffoldDemo(dir, 0);
    const base = (JSON.parse(readFileSync(join(dir, 'baton.config.json'), 'utf8')) as { port_base: number })
      .port_base;
    expect(base).not.toBe(DEFAULT_PORT_BASE);
    for (let i = 0; i < 3; i++) expect(await isPortFree(portBlockFor(i, base).port)).toBe(true);
  });
});
