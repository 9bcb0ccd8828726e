import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { lockPath } from '../../src/lock/baton-lock.js';
import type { BatonEvent } from '../../src/log/events.js';
import { groupAlive } from '../../src/process/supervise.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { forgeComplete, logEvents, makeFourFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/**
 * A shell command that writes its process group id (`$$` of the group's leader) to `file`, then runs
 * long in that group, a child in the background: stopping only the leader would leave the child.
 */
function longCommand(file: string): string {
  return `echo $$ > ${file}; sleep 20 & sleep 20; wait`;
}

/** The group id `longCommand` wrote, once it has. */
function pgidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number(readFileSync(file, 'utf8').trim());
  return n > 0 ? n : undefined;
}

/** Fires Ctrl-C (the context's interrupt handler, as `baton` wires SIGINT) once `file` names a group. */
function ctrlCWhenRunning(file: string): (fire: () => void) => void {
  return (fire) => {
    void until(() => pgidIn(file) !== undefined, 30_000).then(fire);
  };
}

/** The events of the last invocation: from its `phase.started integration`. */
function lastInvocation(events: BatonEvent[]): BatonEvent[] {
  const i = events.findLastIndex((e) => e.type === 'phase.started' && e.phase === 'integration');
  return events.slice(i);
}

const CONTINUE_LINE =
  'baton: integration interrupted (stopped by Ctrl-C); go on with `baton integrate --continue`, or start over with `baton integrate --fresh`\n';

describe('Ctrl-C during baton integrate', () => {
  it('stops the test command’s whole group, records the interruption, releases the lock; --continue finishes it', async () => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    const pgidFile = join(repo.root, '..', 'test.pgid');
    const main = repo.git('rev-parse', 'main');
    const test = longCommand(pgidFile);
    const r = await runBaton(['integrate', '--into', 'main', '--test', test], {
      cwd: repo.root,
      interrupt: ctrlCWhenRunning(pgidFile),
    });
    expect(r.code).toBe(1);
    // `--continue` takes neither the test command nor the branch to move from the log: the line names
    // the ones this integration was given, for going on and for starting over alike.
    const flags = `--test ${printableArg(test)} --into main`;
    expect(r.stderr).toBe(
      CONTINUE_LINE.replace('--continue`', () => `--continue ${flags}\``).replace(
        '--fresh`',
        () => `--fresh ${flags}\``,
      ),
    );
    expect(r.stdout).toMatch(/Integration interrupted in .*: 1 of 2 merged, 1 not reached;/);
    expect(r.stdout).toContain('main left where it was: the integration was interrupted before it finished');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    const pgid = pgidIn(pgidFile) as number;
    expect(groupAlive(pgid)).toBe(false);
    // The test that was stopped reports nothing; the attempt and the phase are closed.
    expect(lastInvocation(logEvents(repo)).map((e) => e.type)).toEqual([
      'phase.started',
      'integration.started',
      'merge.clean',
      'integration.ended',
      'phase.ended',
    ]);
    expect(logEvents(repo).find((e) => e.type === 'integration.ended')).toMatchObject({
      outcome: 'interrupted',
    });
    expect(existsSync(lockPath(repo.root, 'integrate'))).toBe(false);

    // Starting anew is refused with both ways on, and `--continue` re-runs the stopped test, then merges the rest.
    const again = await runBaton(['integrate'], { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `Run \`baton integrate --continue --test ${printableArg(test)} --into main\` (its --test is the command the integration began with, as the log records it: read it first) to go on with it`,
    );
    const resumed = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Integration clean .*: 2 of 2 merged;/);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    const tested = logEvents(repo).flatMap((e) => (e.type === 'integration.tested' ? [e.after_feature] : []));
    expect(tested).toEqual(['f1', 'f2']);
    // Both invocations closed their phase, so the report counts the integration time.
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout) as {
      integration: { outcome: string; duration_min: number | null };
    };
    expect(report.integration.outcome).toBe('clean');
    expect(report.integration.duration_min).toEqual(expect.any(Number));
  });

  it('stops an after-integration check’s whole group and records no result for it', async () => {
    // Relative to the integration worktree, where checks run: the repo's path is not known yet here.
    repo = projectRepo([
      {
        id: 'f1',
        criteria: [
          { id: 'slow', text: 'runs long', run: longCommand('../check.pgid'), after: 'integration' },
        ],
      },
    ]);
    const pgidFile = join(repo.root, '..', 'repo.baton-worktrees', 'check.pgid');
    const r = await runBaton(['integrate'], { cwd: repo.root, interrupt: ctrlCWhenRunning(pgidFile) });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(CONTINUE_LINE);
    expect(groupAlive(pgidIn(pgidFile) as number)).toBe(false);
    const events = lastInvocation(logEvents(repo));
    expect(events.some((e) => e.type.startsWith('check.'))).toBe(false);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['integration.ended', 'phase.ended']);
    expect(events.at(-2)).toMatchObject({ outcome: 'interrupted' });
    expect(existsSync(lockPath(repo.root, 'integrate'))).toBe(false);
  });

  it('stops the criteria run again before --into: their group, no result recorded, the branch left where it was', async () => {
    // The criterion passed on the branch (as the log says); before main moves it runs again, on the result.
    repo = projectRepo([
      { id: 'f1', criteria: [{ id: 'slow', text: 'runs long', run: longCommand('../promotion.pgid') }] },
    ]);
    forgeComplete(repo, 'f1', [{ criterion_id: 'slow', text: 'runs long', kind: 'run' }], {
      complete: false,
    });
    const pgidFile = join(repo.root, '..', 'repo.baton-worktrees', 'promotion.pgid');
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main', '--test', 'true'], {
      cwd: repo.root,
      interrupt: ctrlCWhenRunning(pgidFile),
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('integration interrupted (stopped by Ctrl-C)');
    expect(r.stdout).toContain('main left where it was: the integration was interrupted before it finished');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(groupAlive(pgidIn(pgidFile) as number)).toBe(false);
    const events = lastInvocation(logEvents(repo));
    expect(events.some((e) => e.type.startsWith('check.'))).toBe(false);
    expect(events.at(-2)).toMatchObject({ type: 'integration.ended', outcome: 'interrupted' });
    expect(events.at(-2)).not.toHaveProperty('into');
    expect(existsSync(lockPath(repo.root, 'integrate'))).toBe(false);
  });

  it('stops the conflict-resolving agent’s whole group and leaves the conflict for a person', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const pgidFile = join(repo.root, '..', 'agent.pgid');
    writeFileSync(
      join(repo.root, 'baton.config.json'),
      JSON.stringify({ agent: { command: longCommand(pgidFile) } }),
    );
    repo.commit('config');
    const r = await runBaton(['integrate', '--on-conflict', 'agent'], {
      cwd: repo.root,
      interrupt: ctrlCWhenRunning(pgidFile),
    });
    expect(r.code).toBe(1);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    expect(r.stderr).toBe(
      `baton: integration interrupted (stopped by Ctrl-C); resolve the conflict of b in ${wt} (and \`git add\`), then run \`baton integrate --continue --on-conflict agent\`, or start over with \`baton integrate --fresh --on-conflict agent\`\n`,
    );
    expect(groupAlive(pgidIn(pgidFile) as number)).toBe(false);
    expect(logEvents(repo).find((e) => e.type === 'integration.ended')).toMatchObject({
      outcome: 'interrupted',
    });
    expect(existsSync(lockPath(repo.root, 'integrate'))).toBe(false);
  });
});
