// Files git runs or reads for every checkout (hooks, info/exclude, info/attributes, config.worktree)
// are watched like the shared config: an agent planting a hook is reported as an escape.
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChange } from '../../src/guard/repo-change.js';
import { RepoGuard, repoEscapeEvents } from '../../src/guard/repo-guard.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

describe('RepoGuard: files of the git folder', () => {
  it('reports a planted hook, an exclude line, attributes and a worktree config as escapes', async () => {
    repo = makeRepo();
    const wt = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt, 'main');
    const guard = await RepoGuard.start(repo.root, ['baton/a']);
    guard.agentStarted('a');
    const gitDir = join(repo.root, '.git');
    writeFileSync(join(gitDir, 'hooks', 'post-commit'), '#!/bin/sh\necho pwned\n');
    chmodSync(join(gitDir, 'hooks', 'post-commit'), 0o755);
    appendFileSync(join(gitDir, 'info', 'exclude'), 'src/a/index.js\n');
    writeFileSync(join(gitDir, 'info', 'attributes'), '* filter=evil\n');
    writeFileSync(join(gitDir, 'worktrees', 'wt-a', 'config.worktree'), '[core]\n\tsparseCheckout = true\n');
    guard.agentEnded('a');
    const changes = await guard.check();
    expect(changes.map(describeChange).sort()).toEqual([
      'git file hooks/post-commit added (mode 100755)',
      'git file info/attributes added (mode 100644)',
      'git file info/exclude changed',
      'git file worktrees/wt-a/config.worktree added (mode 100644)',
    ]);
    expect(repoEscapeEvents(changes, 'a')).toMatchObject([
      { type: 'feature.escaped', feature_id: 'a', kind: 'repository', attribution: 'run-window' },
    ]);
    // Each change is reported once.
    expect(await guard.check()).toEqual([]);
  });

  it('does not report the lines Baton itself adds to info/exclude for Aider', async () => {
    repo = makeRepo();
    const guard = await RepoGuard.start(repo.root, []);
    appendFileSync(
      join(repo.root, '.git', 'info', 'exclude'),
      "# Aider's caches (added by Baton)\n.aider*\n",
    );
    expect(await guard.check()).toEqual([]);
  });
});
