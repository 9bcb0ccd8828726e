/**
 * The dashboard's banner of bad log lines gave the line number and why, but not the line: the user had
 * to open the log to see which one. The snapshot now carries the banner's lines in `baton status`'s words
 * (`skippedLogLines`): the line's text clipped and its control characters escaped (it comes from the log).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/dashboard/view.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';
import { bearer, cleanups, send, setup } from './server-rig.js';

describe("the dashboard's banner lines for bad log lines", () => {
  it("name each line's text, clipped and escaped, as `baton status` prints it", async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    cleanups.push(() => repo.cleanup());
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const long = `{"feature_id":"a","status":"running","detail":"${'x'.repeat(300)}`;
    writeFileSync(
      log,
      ['{"feature_id":"a","status":"running"}', '{torn \u001b[2J\u001b]8;;x\u0007here', long, '']
        .map((l) => `${l}\n`)
        .join(''),
    );
    const { dash } = await setup([], { root: repo.root, logPath: log });

    await expect
      .poll(async () => {
        const s = JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body);
        return (s as Snapshot).problem_count;
      })
      .toBe(2);
    const s = JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body) as Snapshot;

    const status = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    const said = status.stderr.split('\n').filter((l) => l.startsWith(`${log}:`));
    expect(said).toHaveLength(2);
    expect(s.problem_lines).toEqual(said);
    expect(s.problem_lines[0]).toBe(
      `${log}:2: skipped: not valid JSON (torn or hand-edited line): {torn \\x1b[2J\\x1b]8;;x\\x07here`,
    );
    expect(s.problem_lines[1]).toContain(`${log}:3: skipped: `);
    expect(s.problem_lines[1]).toMatch(/x{150}…$/);
    expect(s.problem_lines[1]).not.toContain('x'.repeat(201));
  });
});
