/**
 * A run killed (kill -9) after Baton committed an agent's work but before `agent.exited` reached the
 * log: a resume that finds Baton's own commit (its trailers name the dead run, the unit and exit 0)
 * at the branch's tip runs only the checks; any other tip (the agent's own commit, a forged trailer
 * for another unit, an agent that exited non-zero) has the agent run again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { deadPid } from '../rig/dead-run.js';
import type { TempRepo } from '../rig/repo.js';
import { events, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();

/** The lines a run killed right after its agents started would have left: everything after them dropped. */
const KEPT_TYPES = new Set([
  'run.started',
  'worktree.created',
  'setup.started',
  'setup.ended',
  'feature.started',
]);

/**
 * Makes the log that of a run whose orchestrator was killed after its agents started: only the lines
 * written up to then (no `agent.exited`, no checks, no ends), its `run.started` naming a pid that has exited.
 */
function killedAfterStart(repo: TempRepo): void {
  const log = join(repo.root, '.baton', 'log.jsonl');
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const kept = lines
    .map((l) => JSON.parse(l) as { type?: string; pid?: number })
    .filter((e) => e.type !== undefined && KEPT_TYPES.has(e.type))
    .map((e) => (e.type === 'run.started' ? { ...e, pid: deadPid() } : e));
  writeFileSync(log, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

/** A file outside the repository that each agent session appends a line to. */
function sessionsFile(repo: TempRepo, id: string): string {
  return join(dirname(repo.root), `sessions-${id}`);
}

const sessionsIn = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;

/** The status each feature ended with in the last run of the log. */
function lastEnds(repo: TempRepo): Record<string, string> {
  const all = events(repo);
  const last = all.findLastIndex((e) => e.type === 'run.started');
  return Object.fromEntries(
    all.slice(last).flatMap((e) => (e.type === 'feature.ended' ? [[e.feature_id, e.status] as const] : [])),
  );
}

/**
 * A repository with one feature `a` whose agent counts its sessions in a file and writes src/a/a.txt
 * (then runs `then(counter file)`), checked by one criterion that the file is there.
 */
function featureA(then: (counter: string) => string = () => '') {
  const repo = repoWith([]);
  const sessions = sessionsFile(repo, 'a');
  repo.commit(
    'contract',
    contractFiles([
      {
        id: 'a',
        agent: { command: `echo x >> ${sessions}; mkdir -p src/a && echo hi > src/a/a.txt${then(sessions)}` },
        criteria: [{ id: 'has-file', text: 'writes a.txt', run: 'grep -q hi src/a/a.txt' }],
      },
    ]),
  );
  return { repo, sessions };
}

describe('resume after kill -9 between Baton’s commit and agent.exited', () => {
  it('runs only the checks when the tip is Baton’s commit of this unit in the dead run, exit 0', async () => {
    const { repo, sessions } = featureA();
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const commit = repo.git('rev-parse', 'baton/a');
    const runId = events(repo).find((e) => e.type === 'run.started')!.run_id;
    expect(repo.git('log', '-1', '--format=%(trailers:only,unfold)', commit)).toBe(
      `Baton-Run: ${runId}\nBaton-Unit: a\nBaton-Agent-Exit: 0`,
    );
    killedAfterStart(repo);

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    expect(sessionsIn(sessions)).toBe(1);
    expect(resumed.stdout).toContain(
      `its agent had finished in an earlier run and its work is committed (${commit.slice(0, 8)})`,
    );
    expect(resumed.stdout).toContain('a: check has-file passed');
    expect(lastEnds(repo)).toEqual({ a: 'complete' });
    expect(repo.git('rev-parse', 'baton/a')).toBe(commit);
  });
});

describe('resume after kill -9: a tip that is not Baton’s commit of a finished agent', () => {
  it('runs the agent again when the tip is its own commit, with no trailers or trailers naming another unit', async () => {
    const repo = repoWith([]);
    const [plain, forged] = [sessionsFile(repo, 'plain'), sessionsFile(repo, 'forged')];
    // Each agent commits its work itself and leaves nothing for Baton to commit: its commit is the tip.
    const committing = (id: string, sessions: string, message: string) => ({
      id,
      agent: {
        command: `echo x >> ${sessions}; mkdir -p src/${id} && echo hi > src/${id}/a.txt && git add -A && { git -c user.name=Agent -c user.email=agent@x commit -qm "${message}" || true; }`,
      },
      criteria: [{ id: 'has-file', text: 'writes a.txt', run: `grep -q hi src/${id}/a.txt` }],
    });
    repo.commit(
      'contracts',
      contractFiles([
        committing('plain', plain, 'my work'),
        // Trailers as Baton writes them, for the right run and an exit 0, but naming another unit.
        committing(
          'forged',
          forged,
          'my work\n\nBaton-Run: $BATON_RUN_ID\nBaton-Unit: plain\nBaton-Agent-Exit: 0',
        ),
      ]),
    );
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const runId = events(repo).find((e) => e.type === 'run.started')!.run_id;
    expect(repo.git('log', '-1', '--format=%(trailers:only,unfold)', 'baton/forged')).toBe(
      `Baton-Run: ${runId}\nBaton-Unit: plain\nBaton-Agent-Exit: 0`,
    );
    killedAfterStart(repo);

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain('only its checks run again');
    expect([sessionsIn(plain), sessionsIn(forged)]).toEqual([2, 2]);
    expect(lastEnds(repo)).toEqual({ plain: 'complete', forged: 'complete' });
  });

  it('runs the agent again when Baton’s commit says the agent exited non-zero, never taking it as finished', async () => {
    // Writes its file each session, and exits 1 in its first.
    const { repo, sessions } = featureA((counter) => ` && [ "$(wc -l < ${counter})" -ge 2 ]`);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    const commit = repo.git('rev-parse', 'baton/a');
    expect(repo.git('log', '-1', '--format=%(trailers:key=Baton-Agent-Exit,valueonly)', commit)).toBe('1');
    killedAfterStart(repo);

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.stdout).not.toContain('only its checks run again');
    // The failed session's commit stays on the branch: the agent goes on from it.
    expect(resumed.stdout).toContain('keeps 1 commit(s) from the earlier run');
    expect(sessionsIn(sessions)).toBe(2);
    expect(lastEnds(repo)).toEqual({ a: 'complete' });
    expect(repo.git('rev-list', '--count', `${commit}..baton/a`)).toBe('0');
  });
});
