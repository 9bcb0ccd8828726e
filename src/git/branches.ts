import { git } from './git.js';

/** The names of every local branch (`refs/heads/*` without the prefix), from one git process. */
export async function localBranches(cwd: string): Promise<Set<string>> {
  const out = await git(cwd, ['for-each-ref', '--format=%(refname)', 'refs/heads/']);
  return new Set(
    out
      .split('\n')
      .filter((l) => l.startsWith('refs/heads/'))
      .map((l) => l.slice('refs/heads/'.length)),
  );
}
