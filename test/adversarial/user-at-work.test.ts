/**
 * The user keeps working in the main checkout during a run, and an agent uses `git stash` in its
 * worktree: the stash is shared by every worktree, so the agent's `git stash pop` takes the user's
 * stash. `baton run` reports each stash entry that went, with the command that stores it back, even
 * one made during the run and popped before the run went idle; a branch made and deleted again
 * between two looks is reported both ways; a moved branch carries its reflog message.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';
import { events, watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with the user's tracked base.txt and features whose agents are the given commands. */
function repoWith(features: TestContract[]): TempRepo {
  const repo = makeRepo({ 'base.txt': 'base\n', ...contractFiles(features) });
  repos.push(repo);
  return repo;
}

/** What a command does in the main checkout, run from an agent's worktree. */
const inMain = (command: string) => `(cd "$BATON_WORKTREE/../../repo" && ${command})`;
/** An agent's own file, so its feature passes its owns check. */
const own = (id: string) => `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt`;

/** The escape lines of the run's log, each with the feature it is filed under. */
function escaped(repo: TempRepo): Array<{ feature_id: string; files: string[] }> {
  return events(repo)
    .filter((e): e is Extract<BatonEvent, { type: 'feature.escaped' }> => e.type === 'feature.escaped')
    .map((e) => ({ feature_id: e.feature_id, files: e.files }));
}

describe('the user works in the main checkout while agents run', () => {
  it("an agent's `git stash pop` takes the user's stash: reported with how to restore it", async () => {
    const repo = repoWith([{ id: 'pop', agent: { command: `git stash && git stash pop && ${own('pop')}` } }]);
    repo.write({ 'base.txt': 'my work\n' });
    repo.git('stash', 'push', '-q', '-m', 'my wip');
    const mine = repo.git('rev-parse', 'stash@{0}');
    const world = watchWorld(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    const line = `stash entry removed: On main: my wip (restore with: git stash store -m 'On main: my wip' ${mine})`;
    expect(escaped(repo)).toEqual([{ feature_id: 'pop', files: [line] }]);
    expect(run.stdout).toContain(`pop: the repository changed while it ran: ${line}`);
    expect(run.stdout).not.toContain('refs/stash');
    // The agents' rules say not to use the stash.
    const runs = join(repo.root, '.baton', 'runs');
    const task = readFileSync(join(runs, readdirSync(runs)[0] as string, 'pop', 'task.md'), 'utf8');
    expect(task).toContain('- Do not use `git stash`: the stash is shared with the user');
    // The command given brings the user's stash back.
    world.expectUntouched({ refs: ['refs/stash'] });
    execFileSync('sh', ['-c', `git stash store -m 'On main: my wip' ${mine}`], {
      cwd: repo.root,
      env: GIT_ENV,
    });
    expect(repo.git('stash', 'list', '--format=%H %gs')).toBe(`${mine} On main: my wip`);
  });

  it('a stash made during the run and popped by the next agent before the run went idle is reported', async () => {
    // `user` stands for the user stashing in the main checkout; `wait` keeps the run busy until
    // `pop`, which starts once `user` is complete, has popped it: no look falls in between.
    const marker = '"$BATON_WORKTREE/../popped"';
    const repo = repoWith([
      {
        id: 'user',
        agent: {
          command: `${inMain("echo mine > base.txt && git stash push -q -m 'made during the run'")} && ${own('user')}`,
        },
      },
      {
        id: 'wait',
        agent: {
          command: `for i in $(seq 300); do [ -e ${marker} ] && break; sleep 0.1; done; ${own('wait')}`,
        },
      },
      { id: 'pop', depends: ['user'], agent: { command: `git stash pop; touch ${marker}; ${own('pop')}` } },
    ]);
    await runBaton(['run', '-j', '2', '--wait-for-deps'], { cwd: repo.root });
    const said = escaped(repo).flatMap((e) => e.files);
    expect(said).toEqual([
      expect.stringMatching(
        /^stash entry removed: On main: made during the run \(restore with: git stash store -m 'On main: made during the run' [0-9a-f]{40}\)$/,
      ),
    ]);
    expect(repo.git('stash', 'list')).toBe('');
  });

  it('a branch made and deleted again between two looks is reported both ways; a commit with its message', async () => {
    const repo = repoWith([
      {
        id: 'make',
        agent: {
          command: `${inMain("git branch tmp && git commit -q --allow-empty -m 'my own work'")} && ${own('make')}`,
        },
      },
      {
        id: 'drop',
        depends: ['make'],
        agent: { command: `${inMain('git branch -q -D tmp')} && ${own('drop')}` },
      },
    ]);
    const start = repo.git('rev-parse', 'main');
    const run = await runBaton(['run', '-j', '1', '--wait-for-deps'], { cwd: repo.root });
    const now = repo.git('rev-parse', 'main');
    expect(escaped(repo)).toEqual([
      {
        feature_id: 'make',
        files: [
          `ref refs/heads/main moved ${start.slice(0, 8)} → ${now.slice(0, 8)} (commit: my own work)`,
          'ref refs/heads/tmp created',
        ],
      },
      {
        feature_id: 'drop',
        // A deleted branch with the commit it held and the command that brings it back.
        files: [
          `ref refs/heads/tmp deleted (was ${start.slice(0, 8)}; restore with: git update-ref refs/heads/tmp ${start})`,
        ],
      },
    ]);
    expect(run.stdout).toContain('drop: the repository changed while it ran: ref refs/heads/tmp deleted');
    const status = (await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout;
    expect(status).toContain('changed outside the worktrees while drop ran: ref refs/heads/tmp deleted');
  });
});
