import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../../src/dashboard/server.js';
import type { Snapshot } from '../../src/dashboard/view.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { bearer, cleanups, send, setup } from './server-rig.js';

const ID = 'feature-001-a';
const started = {
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  type: 'hook',
  event: 'stop',
  feature_id: ID,
  status: 'running',
};

async function state(dash: Dashboard): Promise<Snapshot> {
  return JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body) as Snapshot;
}

/** The problems /api/state shows, once they become what `wanted` accepts (the watcher polls every 50 ms). */
async function problemsOnceThey(dash: Dashboard, wanted: (messages: string[]) => boolean): Promise<string[]> {
  let messages: string[] = [];
  await expect
    .poll(
      async () => {
        messages = (await state(dash)).problems.map((p) => p.message);
        return wanted(messages);
      },
      { timeout: 3000, interval: 50 },
    )
    .toBe(true);
  return messages;
}

const mentions = (text: string) => (messages: string[]) => messages.some((m) => m.includes(text));
const none = (messages: string[]) => messages.length === 0;

describe('dashboard: the log turned unusable, and usable again', () => {
  it('reports a FIFO put where the removed log was, in the words of `baton status`, and clears it once gone', async () => {
    const repo = makeRepo({ 'README.md': '# x\n', ...contractFiles([{ id: ID }]) });
    cleanups.push(() => repo.cleanup());
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(log, `${JSON.stringify(started)}\n`);
    const { dash } = await setup([], { root: repo.root, logPath: log });
    expect((await state(dash)).features.find((f) => f.feature_id === ID)?.status).toBe('running');

    unlinkSync(log);
    await expect.poll(async () => (await state(dash)).features.length).toBe(0);
    // A FIFO has size 0, as the offset of a removed log is: only what is there tells them apart.
    expect(spawnSync('mkfifo', [log]).status).toBe(0);
    const shown = await problemsOnceThey(dash, mentions('[log/unusable]'));
    const status = await runBaton(['status'], { cwd: repo.root });
    const said = status.stderr.split('\n').find((l) => l.includes('[log/unusable]')) ?? '';
    expect(said).toContain('it is a FIFO');
    expect(shown.some((m) => said.includes(m.split('\n')[0] ?? ''))).toBe(true);

    unlinkSync(log);
    await problemsOnceThey(dash, none);
  });

  it('clears a directory or a symlink reported as the log once it goes', async () => {
    const { dash, dir, log } = await setup();
    unlinkSync(log);
    mkdirSync(log);
    await problemsOnceThey(dash, mentions('it is a directory'));
    rmSync(log, { recursive: true });
    await problemsOnceThey(dash, none);

    // A symlink to an empty file: nothing to tell it by but what it is.
    const elsewhere = join(dir, 'elsewhere.jsonl');
    writeFileSync(elsewhere, '');
    symlinkSync(elsewhere, log);
    await problemsOnceThey(dash, mentions('it is a symbolic link'));
    unlinkSync(log);
    await problemsOnceThey(dash, none);
  });
});
