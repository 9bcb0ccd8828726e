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
