import { join } from 'node:path';
import { expect } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import type { Snapshot } from '../../src/dashboard/view.js';

/** The metrics a real dashboard on `root`'s log serves at `/api/state`, once its report is computed. */
export async function dashboardMetrics(root: string): Promise<Snapshot['metrics']> {
  const dash = await startDashboard({
    root,
    logPath: join(root, '.baton', 'log.jsonl'),
    port: 0,
    loadProject: async () => ({ diagnostics: [] }),
    pollMs: 50,
  });
  try {
    const metrics = async () => {
      const res = await fetch(`http://127.0.0.1:${dash.port}/api/state`, {
        headers: { Authorization: `Bearer ${dash.token}` },
      });
      return ((await res.json()) as Snapshot).metrics;
    };
    await expect.poll(async () => (await metrics()).report_seq, { timeout: 10_000 }).toBeDefined();
    return await metrics();
  } finally {
    await dash.close();
  }
}
