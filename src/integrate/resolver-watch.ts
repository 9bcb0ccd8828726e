/**
 * What `--on-conflict agent`'s resolver is watched for, as a run's agent is (docs/security.md): the
 * shared git config, git's watched files, the stash and every ref but the integration branch
 * (`RepoGuard`), each change reported as a `feature.escaped` of the feature whose conflict it
 * resolved; and the untracked files it leaves in the integration worktree, which no merge holds but
 * the tests and the criteria after it would see.
 */

import { describeChange } from '../guard/repo-change.js';
import { RepoGuard, repoEscapeEvents } from '../guard/repo-guard.js';
import { escapeControl } from '../text/escape.js';
import { emit, type Session } from './session.js';
import { worktreeChanges } from './worktree.js';

/** What the resolver did outside the merge. */
export interface ResolverTraces {
  /** The repository changes in words (`git config core.hookspath added …`), control characters escaped. */
  repository: string[];
  /** Untracked files in the integration worktree that were not there before it ran. */
  untracked: string[];
}

/** A watch begun before the resolver runs; `end()` after it, once. */
export interface ResolverWatch {
  end(): Promise<ResolverTraces>;
}

/** Snapshots the repository and the integration worktree's untracked files before `id`'s resolver runs. */
export async function watchResolver(session: Session, id: string): Promise<ResolverWatch> {
  const [guard, before] = await Promise.all([
    RepoGuard.start(session.s.root, [session.s.branch]),
    worktreeChanges(session.worktree),
  ]);
  const had = new Set(before.untracked);
  guard.agentStarted(id);
  return {
    async end() {
      guard.agentEnded(id);
      const [changes, after] = await Promise.all([guard.check(), worktreeChanges(session.worktree)]);
      // The resolver ran alone: whatever changed is filed under its feature.
      for (const e of repoEscapeEvents(changes, id)) emit(session, e);
      return {
        repository: changes.map((c) => escapeControl(describeChange(c))),
        untracked: after.untracked.filter((p) => !had.has(p)),
      };
    },
  };
}
