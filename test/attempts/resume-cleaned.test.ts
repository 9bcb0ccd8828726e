// @module-tag slow
// A resume after `baton clean --force <id>.a<n>` removed an attempt that had ended: its record is no
// longer backed by its branch, so the resume runs it again rather than choose it and leave baton/<id>
// unmade. A real orchestrator killed outright, real git, real command agents.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptStarted, BatonEvent, RunStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  for (const r of repos.splice(0)) r.cleanup();
});

describe('best-of-N --resume after an ended attempt was cleaned away', () => {
  it('runs that attempt again and ends complete only with baton/<id> at the winner', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    // Outside the repository: attempt 2 waits while it exists.
    const hold = join(dirname(repo.root), 'hold');
    writeFileSync(hold, '');
    undo.push(() => rmSync(hold, { force: true }));
    repo.commit('contracts', {
      '.gitignore': '.baton/\n',
      'baton.config.json': '{}\n',
      ...contractFiles([
        {
          id: 'api',
          agent: {
            command: `mkdir -p src/api && if [ "$BATON_ATTEMPT" = 1 ]; then echo ok > src/api/a.txt; else while [ -f ${JSON.stringify(hold)} ]; do sleep 0.1; done; printf 'ok\\nmore\\n' > src/api/a.txt; fi`,
          },
          criteria: [{ id: 'ok', text: 'a.txt says ok', run: 'grep -q ok src/api/a.txt' }],
        },
      ]),
    });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const events = () => (existsSync(log) ? (readLog(log).events as BatonEvent[]) : []);
    const child = spawn(process.execPath, [BATON_BIN, 'run', '--attempts', '2'], {
      cwd: repo.root,
      stdio: 'ignore',
    });
    undo.push(() => child.kill('SIGKILL'));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const firstEnded = await until(
      () => events().some((e) => e.type === 'attempt.ended' && e.attempt === 1),
      60_000,
    );
    expect(firstEnded).toBe(true);
    child.kill('SIGKILL');
    await exited;

    // The user discards attempt 1 (its branch and worktree), then resumes.
    const cleaned = await runBaton(['clean', '--force', 'api.a1'], { cwd: repo.root });
    expect(cleaned.code, cleaned.stdout).toBe(0);
    rmSync(hold);
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).not.toContain('was not moved');

    // Attempt 1 ran again in the resumed run, and baton/api holds the winner's commit.
    const second = events().filter((e): e is RunStarted => e.type === 'run.started')[1]!.run_id;
    const startedAgain = events().filter(
      (e): e is AttemptStarted => e.type === 'attempt.started' && e.run_id === second,
    );
    expect(startedAgain.map((e) => e.attempt).sort()).toEqual([1, 2]);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = status.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.status).toBe('complete');
    const winner = api.winner.attempt as number;
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', `baton/api.a${winner}`));
    expect(api.commit).toBe(repo.git('rev-parse', 'baton/api'));
  });
});
