/**
 * Two features commit a symlink at the same path, one of them to a FIFO outside the repository: the
 * merge conflicts there, and the look for conflict markers in the conflicted files must not follow the
 * link and wait on the FIFO for ever. `baton integrate` stops at the conflict and exits.
 */

import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events } from './rig.js';

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    // A reader still waiting on the FIFO (a Baton without the fix) is let go: a writer opens and closes it.
    try {
      closeSync(openSync(join(d, 'fifo'), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    rmSync(d, { recursive: true, force: true });
  }
  for (const r of repos.splice(0)) r.cleanup();
});

/** Runs the built CLI as a real process, killed if it hangs (a bound, not an assertion on time). */
function baton(root: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BATON_BIN, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
}

describe('adversarial: a conflicted symlink to a FIFO', () => {
  it('integrate stops at the conflict and exits, the FIFO never read', () => {
    const outside = mkdtempSync(join(tmpdir(), 'baton-conflict-fifo-'));
    dirs.push(outside);
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'f1',
          owns: ['shared/**'],
          agent: {
            command: `mkfifo '${outside}/fifo' && mkdir -p shared && ln -s '${outside}/fifo' shared/link`,
          },
          criteria: [{ text: 'passes', run: 'true' }],
        },
        {
          id: 'f2',
          owns: ['shared/**'],
          agent: { command: `mkdir -p shared && ln -s '${outside}/nothing' shared/link` },
          criteria: [{ text: 'passes', run: 'true' }],
        },
      ]),
    });
    repos.push(repo);
    const run = baton(repo.root, ['run']);
    expect(run.signal, 'baton run hung').toBeNull();
    const ended = events(repo).filter((e) => e.type === 'feature.ended');
    expect(
      ended.map((e) => ('status' in e ? e.status : undefined)),
      run.stdout + run.stderr,
    ).toEqual(['complete', 'complete']);

    const r = baton(repo.root, ['integrate']);
    expect(r.signal, 'baton integrate hung').toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('shared/link');
    expect(events(repo).find((e) => e.type === 'merge.conflict')).toMatchObject({ files: ['shared/link'] });
  });
});
