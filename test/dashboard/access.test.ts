import { describe, expect, it } from 'vitest';
import { send, sessionOf, setup } from './server-rig.js';

describe('dashboard access: sessions', () => {
  it('lets a ?token= API request through without making a session, so a polling script never logs the browser out', async () => {
    const { dash } = await setup();
    const visit = await send(dash.port, `${dash.base}/?token=${dash.token}`);
    expect(visit.status).toBe(303);
    const session = sessionOf(visit, dash.port);
    expect(session.Cookie).toBeDefined();

    // More polls than the session store keeps (1000): none of them may push the browser's session out.
    for (let i = 0; i < 1100; i++) {
      const poll = await send(dash.port, `/api/state?token=${dash.token}`);
      expect(poll.status).toBe(200);
      expect(poll.headers['set-cookie']).toBeUndefined();
    }
    const prefixed = await send(dash.port, `${dash.base}/api/state?token=${dash.token}`);
    expect(prefixed.status).toBe(200);
    expect(prefixed.headers['set-cookie']).toBeUndefined();

    expect((await send(dash.port, `${dash.base}/`, { headers: session })).status).toBe(200);
    expect((await send(dash.port, `${dash.base}/api/state`, { headers: session })).status).toBe(200);
  });
});

describe('dashboard access: the one-time code --open hands out', () => {
  it('opens one session, once, and never carries the token', async () => {
    const { dash } = await setup();
    const open = new URL(dash.openUrl());
    expect(open.href).not.toContain(dash.token);
    expect(open.pathname).toBe(`${dash.base}/`);
    const code = open.searchParams.get('code');
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const first = await send(dash.port, `${open.pathname}${open.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`${dash.base}/`);
    const session = sessionOf(first, dash.port);
    expect((await send(dash.port, `${dash.base}/api/state`, { headers: session })).status).toBe(200);

    // Spent: a second use (someone who read it from the opener's command line) gets nothing.
    const again = await send(dash.port, `${open.pathname}${open.search}`);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('one-time link was used or has expired');
    // A code is no token: it opens no API request.
    const next = new URL(dash.openUrl()).searchParams.get('code');
    expect((await send(dash.port, `/api/state?token=${next}`)).status).toBe(401);
    expect((await send(dash.port, `/api/state?code=${next}`)).status).toBe(401);
  });

  it('expires unused', async () => {
    const { dash } = await setup([], { openCodeMs: 50 });
    const open = new URL(dash.openUrl());
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await send(dash.port, `${open.pathname}${open.search}`)).status).toBe(401);
  });
});
