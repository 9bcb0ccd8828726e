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
  const name = await gitRaw(cwd, ['config', 'user.name']);
  const email = await gitRaw(cwd, ['config', 'user.email']);
  if (name.stdout.trim() && email.stdout.trim()) return [];
  return ['-c', `user.name=${BATON_IDENTITY.name}`, '-c', `user.email=${BATON_IDENTITY.email}`];
}
