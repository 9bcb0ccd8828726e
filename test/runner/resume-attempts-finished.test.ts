/**
 * Best-of-N attempts whose agents finished, their work committed, and whose checks an earlier run
 * cut short (Ctrl-C, or the orchestrator killed): a resume checks each attempt again without another
 * agent session, as it does a plain feature; it used to pay for a second session per attempt.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { deadPid } from '../rig/dead-run.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { events, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();

/** Feature `a`, whose agent appends its unit id to `sessions` and whose check waits until `go` exists. */
function slowCheckRepo(): { repo: TempRepo; sessions: string; go: string } {
  const repo = repoWith([]);
  const sessions = join(repo.root, '..', 'sessions');
  const go = join(repo.root, '..', 'go');
  repo.commit(
    'contract',
    contractFiles([
      {
        id: 'a',
        agent: { command: `echo $BATON_UNIT_ID >> ${sessions}; mkdir -p src/a && echo hi > src/a/a.txt` },
        criteria: [{ id: 'waits', text: 'waits for go', run: `while [ ! -f ${go} ]; do sleep 0.1; done` }],
      },
    ]),
  );
  return { repo, sessions, go };
}

/** Each unit's agent sessions, by unit id. */
function sessionsOf(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const unit of readFileSync(file, 'utf8').split('\n').filter(Boolean)) out[unit] = (out[unit] ?? 0) + 1;
  return out;
}

/** The first run, `--attempts 2`, stopped by Ctrl-C once both attempts' checks began. */
async function interruptedDuringChecks(repo: TempRepo): Promise<void> {
  const log = join(repo.root, '.baton', 'log.jsonl');
  const checking = (unit: string) =>
    readLog(log).events.some((e) => e.type === 'check.passed' && e.feature_id === unit);
  const first = await runBaton(['run', '--attempts', '2'], {
    cwd: repo.root,
    interrupt: (fire) => {
      void until(() => checking('a.a1') && checking('a.a2'), 20_000).then(() => fire());
    },
  });
  expect(first.stdout + first.stderr).toContain('interrupted');
}

describe('resume of best-of-N attempts whose agents had finished', () => {
  it('after Ctrl-C during the checks, only the checks run again: one agent session per attempt', async () => {
    const { repo, sessions, go } = slowCheckRepo();
    await interruptedDuringChecks(repo);
    expect(sessionsOf(sessions)).toEqual({ 'a.a1': 1, 'a.a2': 1 });
    const commits = [1, 2].map((n) => repo.git('rev-parse', `baton/a.a${n}`));
    writeFileSync(go, '');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    for (const commit of commits)
      expect(resumed.stdout).toContain(
        `its agent had finished in an earlier run and its work is committed (${commit.slice(0, 8)})`,
      );
    expect(sessionsOf(sessions)).toEqual({ 'a.a1': 1, 'a.a2': 1 });
    expect([1, 2].map((n) => repo.git('rev-parse', `baton/a.a${n}`))).toEqual(commits);
  });

  it('after the orchestrator was killed before agent.exited was logged, Baton’s own commits of the attempts are proof enough', async () => {
    const { repo, sessions, go } = slowCheckRepo();
    await interruptedDuringChecks(repo);
    const commits = [1, 2].map((n) => repo.git('rev-parse', `baton/a.a${n}`));
    // The log as a run killed right after its agents started leaves it: no agent.exited, no checks.
    const log = join(repo.root, '.baton', 'log.jsonl');
    const kept = new Set([
      'run.started',
      'worktree.created',
      'setup.started',
      'setup.ended',
      'feature.started',
      'attempt.started',
    ]);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const cut = lines
      .map((l) => JSON.parse(l) as { type?: string; pid?: number })
      .filter((e) => e.type !== undefined && kept.has(e.type))
      .map((e) => (e.type === 'run.started' ? { ...e, pid: deadPid() } : e));
    writeFileSync(log, cut.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(events(repo).some((e) => e.type === 'agent.exited')).toBe(false);
    writeFileSync(go, '');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(sessionsOf(sessions)).toEqual({ 'a.a1': 1, 'a.a2': 1 });
    for (const commit of commits)
      expect(resumed.stdout).toContain(
        `its agent had finished in an earlier run and its work is committed (${commit.slice(0, 8)})`,
      );
  });
});
