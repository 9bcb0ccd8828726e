import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { git } from '../git/git.js';

/** The demo project's skeleton shipped in the package (the capstone: the Assignment Grader). */
export const SKELETON_DIR = fileURLToPath(new URL('../../assets/demo/skeleton', import.meta.url));

/**
 * The demo's config: the scripted agent, its working time, and the integration test command (the
 * grader's whole suite in one process: the tests after each merge are most of the integration time).
 */
export function demoConfig(agentSeconds: number): object {
  return {
    agent: 'demo',
    test: 'node scripts/run-tests.js',
    check_timeout_s: 60,
    agents: { demo: { env: { BATON_DEMO_SECONDS: String(agentSeconds) } } },
  };
}

/**
 * Creates a fresh git repository at `dir` holding the grader's skeleton, its three contracts and a
 * Baton config, with one commit. Refuses a folder that exists and is not empty.
 */
export async function scaffoldDemo(dir: string, agentSeconds: number): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UserError(
      'demo/dir-not-empty',
      `${dir} exists and is not empty; the demo needs a fresh folder`,
      {
        hint: 'Pass --dir with a new folder, or leave --dir out to use a temporary one.',
      },
    );
  }
  mkdirSync(dir, { recursive: true });
  cpSync(SKELETON_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'baton.config.json'), `${JSON.stringify(demoConfig(agentSeconds), null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.baton/\n');
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'gc.auto', '0']);
  await git(dir, ['add', '-A']);
  await git(dir, [
    '-c',
    'user.name=Baton demo',
    '-c',
    'user.email=demo@localhost',
    'commit',
    '-q',
    '-m',
    'Skeleton and contracts of the Assignment Grader',
  ]);
}
