// A request Node refuses to send (a header it cannot put on the wire) made sendLoad reject, which
// `verify` printed as an internal error with a stack trace and `run` as a failure of the whole feature.
// It is now a failed request, counted, in Node's words. (Lint refuses such headers first: parse.test.ts.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendLoad } from '../../src/checks/load.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

describe('sendLoad with a header Node refuses', () => {
  it('counts every request failed, with why, and never rejects', async () => {
    server = createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const r = await sendLoad({
      url: new URL(`http://127.0.0.1:${port}/`),
      method: 'GET',
      headers: { 'x-name': 'café ✓' },
      requests: 3,
      concurrency: 1,
      warmup: 1,
      requestTimeoutMs: 2000,
    });
    expect(r).toMatchObject({ requests: 3, errors: 3, unanswered: 3 });
    expect(r.firstError).toMatch(/Invalid character in header content/);
  });
});
