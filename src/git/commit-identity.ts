import { gitRaw } from './git.js';

/** The identity Baton commits and merges under when the repository has none of its own. */
export const BATON_IDENTITY: Readonly<{ name: string; email: string }> = {
  name: 'Baton',
  email: 'baton@localhost',
};

/**
 * `-c` options giving Baton's merge commits an author: the repository's own identity when it has
 * one configured, else Baton's. Dependency merges of `--wait-for-deps` and integration merges use it alike.
 */
export async function commitIdentityArgs(cwd: string): Promise<string[]> {
  // One process for both keys (a merge asks each time): `user.name Ada\nuser.email ada@x\n`, the last value winning.
  const r = await gitRaw(cwd, ['config', '--get-regexp', '^user\\.(name|email)$']);
  const found = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const cut = line.indexOf(' ');
    const key = (cut < 0 ? line : line.slice(0, cut)).toLowerCase();
    found.set(key, cut < 0 ? '' : line.slice(cut + 1).trim());
  }
  if (found.get('user.name') && found.get('user.email')) return [];
  return ['-c', `user.name=${BATON_IDENTITY.name}`, '-c', `user.email=${BATON_IDENTITY.email}`];
}
