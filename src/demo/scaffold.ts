import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config.js';
import { UserError } from '../errors.js';
import { git } from '../git/git.js';
import { DEFAULT_PORT_BASE, isPortFree, portBlockFor } from '../ports.js';

/** The demo project's skeleton shipped in the package (the capstone: the Assignment Grader). */
export const SKELETON_DIR = fileURLToPath(new URL('../../assets/demo/skeleton', import.meta.url));
/** The grader's specification, which `baton decompose` turns into its three contracts. */
export const SPEC_FILE = fileURLToPath(new URL('../../assets/demo/grader-spec.md', import.meta.url));
/** Where the demo repository keeps the spec. */
export const DEMO_SPEC = 'docs/spec.md';

/**
 * The demo's config: the scripted agent, its working time per feature (at most a second for writing the
 * contracts), and the integration test command (the grader's whole suite in one process: the tests after
 * each merge are most of the integration time).
 */
export function demoConfig(agentSeconds: number, portBase: number): object {
  return {
    agent: 'demo',
    port_base: portBase,
    test: 'node scripts/run-tests.js',
    check_timeout_s: 60,
    agents: {
      demo: {
        env: {
          BATON_DEMO_SECONDS: String(agentSeconds),
          BATON_DEMO_DECOMPOSE_SECONDS: String(Math.min(1, agentSeconds)),
        },
      },
    },
  };
}

/** Port blocks the demo's features and their servers may use (its three features, with room to spare). */
const DEMO_BLOCKS = 10;

/**
 * A port base whose first port of each of the demo's blocks nothing listens on now: the default (41000)
 * when free, else another hundred-port range up to 49900, tried from a random one (two demos at once,
 * or a test suite running several, should not both take the same). The default when none is found.
 */
async function freeDemoPortBase(): Promise<number> {
  const candidates = Array.from({ length: 90 }, (_, i) => DEFAULT_PORT_BASE + i * 100);
  const from = Math.floor(Math.random() * candidates.length);
  const order = [DEFAULT_PORT_BASE, ...candidates.slice(from), ...candidates.slice(0, from)];
  for (const base of order) {
    const ports = Array.from({ length: DEMO_BLOCKS }, (_, i) => portBlockFor(i, base).port);
    if ((await Promise.all(ports.map((p) => isPortFree(p)))).every(Boolean)) return base;
  }
  return DEFAULT_PORT_BASE;
}

/** The demo's repository in `parent`. */
export const demoRepoIn = (parent: string): string => join(parent, 'assignment-grader');
/** The clone `--compare` runs the same agents in, one at a time. */
export const sequentialRepoIn = (parent: string): string => join(parent, 'assignment-grader-sequential');

/**
 * Every folder the demo writes in `parent`: its repository and that repository's worktrees folder (the
 * config's default, as a run resolves it), and with `compare` the -j 1 clone's two as well.
 */
export function demoFolders(parent: string, compare: boolean): string[] {
  const repos = [demoRepoIn(parent), ...(compare ? [sequentialRepoIn(parent)] : [])];
  return repos.flatMap((repo) => [repo, resolveConfig(repo, {}).worktrees]);
}

/**
 * Refuses, before anything is made, the first of `folders` that exists and is not an empty folder
 * (what an earlier demo left there): the demo would fail on it half-way.
 */
export function refuseUsedFolders(folders: readonly string[]): void {
  for (const dir of folders) {
    if (!existsSync(dir) || isEmptyFolder(dir)) continue;
    throw new UserError(
      'demo/dir-not-empty',
      `${dir} exists and is not empty; the demo needs a fresh folder`,
      {
        hint: 'Pass --dir with a new folder, or leave --dir out to use a temporary one.',
      },
    );
  }
}

function isEmptyFolder(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

const DEMO_IDENTITY = ['-c', 'user.name=Baton demo', '-c', 'user.email=demo@localhost'];

/**
 * Creates a fresh git repository at `dir` holding the grader's skeleton, its spec (`docs/spec.md`, no
 * contracts yet: `baton decompose` writes them) and a Baton config, with one commit. Refuses a folder
 * that exists and is not empty (`refuseUsedFolders`).
 */
export async function scaffoldDemo(dir: string, agentSeconds: number): Promise<void> {
  refuseUsedFolders([dir]);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    // A file where a folder of the path should be (ENOTDIR, EEXIST), or no right to make it (EACCES).
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError('demo/bad-dir', `${dir} cannot be made (${code}); the demo needs a fresh folder`, {
      hint: 'Pass --dir with a new folder, or leave --dir out to use a temporary one.',
    });
  }
  cpSync(SKELETON_DIR, dir, { recursive: true });
  mkdirSync(join(dir, 'docs'), { recursive: true });
  cpSync(SPEC_FILE, join(dir, DEMO_SPEC));
  const config = demoConfig(agentSeconds, await freeDemoPortBase());
  writeFileSync(join(dir, 'baton.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.baton/\n');
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['config', 'gc.auto', '0']);
  await git(dir, ['add', '-A']);
  await git(dir, [...DEMO_IDENTITY, 'commit', '-q', '-m', 'Skeleton and spec of the Assignment Grader']);
}

/** Commits the contracts `baton decompose` wrote, so the run's worktrees and the -j 1 clone start from them. */
export async function commitContracts(dir: string): Promise<void> {
  await git(dir, ['add', '--', 'specs']);
  await git(dir, [
    ...DEMO_IDENTITY,
    'commit',
    '-q',
    '-m',
    'Contracts of the Assignment Grader (baton decompose)',
  ]);
}
