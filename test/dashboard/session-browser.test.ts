// @module-tag slow
import { describe, expect, it } from 'vitest';
import { chromiumForFile } from '../rig/browser.js';
import { setup } from './server-rig.js';

const browser = chromiumForFile();

describe('dashboard page: its event stream refused', () => {
  it('says the connection is closed and to reopen the printed URL once a reconnection is refused, not "reconnecting…" forever', async () => {
    const first = await setup();
    const page = await browser.newPage();
    await page.goto(first.dash.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    const connection = page.locator('#connection');
    await expect.poll(() => connection.getAttribute('data-state')).toBe('live');

    // The dashboard stops: a dropped connection, which EventSource retries.
    await first.dash.close();
    await expect.poll(() => connection.getAttribute('data-state')).toBe('down');
    expect(await connection.textContent()).toBe('reconnecting…');

    // Restarted on the same port, with a new path and token: the page's reconnection gets 401 and
    // EventSource gives up for good.
    await setup([], { port: first.dash.port });
    await expect.poll(() => connection.getAttribute('data-state'), { timeout: 10_000 }).toBe('closed');
    expect(await connection.textContent()).toContain('open the URL `baton dashboard` printed');
    await page.close();
  });
});
