/**
 * A feature whose agent finished, its work committed, and whose checks were cut short (Ctrl-C): a
 * resume checks it again without another agent session; an agent that was itself stopped runs again.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A feature whose agent counts its sessions in `sessions` and whose check waits until `go` exists. */
function slowCheckRepo(): { repo: TempRepo; sessions: string; go: string } {
  const repo = makeRepo({ 'README.md': '# app\n' });
  repos.push(repo);
  const sessions = join(repo.root, '..', 'sessions');
  const go = join(repo.root, '..', 'go');
  repo.write(
    contractFiles([
      {
        id: 'a',
        agent: { command: `echo x >> ${sessions}; mkdir -p src/a && echo hi > src/a/a.txt` },
        criteria: [{ id: 'waits', text: 'waits for go', run: `while [ ! -f ${go} ]; do sleep 0.1; done` }],
      },
    ]),
  );
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'contract');
  return { repo, sessions, go };
}

const sessionsIn = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;

describe('resume after Ctrl-C during the checks', () => {
  it('re-runs only the checks of a feature whose agent finished and whose work is committed', async () => {
    const { repo, sessions, go } = slowCheckRepo();
    const log = join(repo.root, '.baton', 'log.jsonl');
    const first = await runBaton(['run'], {
      cwd: repo.root,
      interrupt: (fire) => {
        void until(() => readLog(log).events.some((e) => e.type === 'check.passed'), 10_000).then(() =>
          fire(),
        );
      },
    });
    expect(first.stdout).toContain('a: interrupted');
    expect(sessionsIn(sessions)).toBe(1);
    const commit = repo.git('rev-parse', 'baton/a');
    repo.write({ '../go': '' });
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(
      `its agent had finished in an earlier run and its work is committed (${commit.slice(0, 8)})`,
    );
    expect(resumed.stdout).toContain('a: check waits passed');
    expect(sessionsIn(sessions)).toBe(1);
    expect(repo.git('rev-parse', 'baton/a')).toBe(commit);
    expect(existsSync(go)).toBe(true);
  });
});

describe('resume after a resume stopped before its agent started', () => {
  it('runs the agent again for a feature whose checks had failed: that earlier exit no longer stands', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const dir = join(repo.root, '..');
    const [sessions, word, slow] = ['sessions', 'word', 'slow'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    repo.write({
      'baton.config.json': JSON.stringify({ setup: `if [ -f ${slow} ]; then sleep 4; fi` }),
      ...contractFiles([
        {
          id: 'a',
          agent: { command: `echo x >> ${sessions}; mkdir -p src/a && cat ${word} > src/a/x.txt` },
          criteria: [{ id: 'ok', text: 'says OK', run: 'grep -q OK src/a/x.txt' }],
        },
      ]),
    });
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'contract');
    repo.write({ '../word': 'C\n' });
    expect((await runBaton(['run'], { cwd: repo.root })).stdout).toContain('a: failed-checks');
    // A resume stopped during setup: it took the worktree up again, and no agent ran.
    repo.write({ '../slow': '' });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const stopped = await runBaton(['run', '--resume'], {
      cwd: repo.root,
      interrupt: (fire) => {
        // The first run's setup started too: this one's is the second.
        const setups = () => readLog(log).events.filter((e) => e.type === 'setup.started').length;
        void until(() => setups() >= 2, 10_000).then(() => fire());
      },
    });
    expect(stopped.stdout).toContain('a: interrupted');
    expect(sessionsIn(sessions)).toBe(1);
    repo.write({ '../word': 'OK\n' });
    rmSync(slow);
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.stdout).not.toContain('only its checks run again');
    expect(sessionsIn(sessions)).toBe(2);
    expect(resumed.stdout).toContain('a: complete');
  });
});
