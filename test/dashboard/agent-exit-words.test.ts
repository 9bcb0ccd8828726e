import { describe, expect, it } from 'vitest';

/** The page's own formatter (plain JavaScript, untyped). */
async function pageFormat(): Promise<{ describeEvent(e: object): string }> {
  return import(new URL('../../assets/dashboard/format.js', import.meta.url).href);
}

const exited = { type: 'agent.exited', feature_id: 'f', signal: null, duration_ms: 1300 };

describe('agent.exited on the page', () => {
  it('counts the files of a finished agent', async () => {
    const page = await pageFormat();
    expect(page.describeEvent({ ...exited, exit_code: 0, files: ['a', 'b'] })).toBe(
      'agent exited with code 0, 2 files changed',
    );
  });

  it("counts an interrupted agent's uncommitted work, not just its (empty) commits", async () => {
    const page = await pageFormat();
    const e = { ...exited, exit_code: null, signal: 'SIGTERM', reason: 'killed by SIGTERM', files: [] };
    expect(page.describeEvent({ ...e, interrupted: true, uncommitted: 3 })).toBe(
      'agent killed by SIGTERM, 0 files changed in its own commits, 3 paths left uncommitted in the worktree',
    );
  });
});
