import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real git repository in a temporary folder, with gc off and a first commit. */
export interface TempRepo {
  root: string;
  /** Runs git in the repository and returns trimmed stdout. */
  git(...args: string[]): string;
  /** Writes files (relative path → content), creating folders. */
  write(files: Record<string, string>): void;
  /** Writes files and commits them. */
  commit(message: string, files?: Record<string, string>): string;
  /** Removes the repository and its sibling worktrees folder. */
  cleanup(): void;
}

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

/**
 * An empty repository made once per test process (`git init` and the settings every test repository
 * needs), copied for each new one: six git processes fewer per repository, which adds up to seconds
 * over a suite that makes hundreds.
 */
let template: string | undefined;
function gitTemplate(): string {
  if (template) return template;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-git-template-')));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  // Without it every commit starts a `git maintenance run --auto` that finds nothing to do: 1,780 of
  // the suite's 30,000 git processes (counted with GIT_TRACE2_EVENT over a whole run).
  git('config', 'maintenance.auto', 'false');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgsign', 'false');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  template = dir;
  return dir;
}

/** Creates a temporary repository (inside its own parent folder, so worktrees land beside it). */
export function makeRepo(files: Record<string, string> = { 'README.md': '# test\n' }): TempRepo {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-test-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  cpSync(join(gitTemplate(), '.git'), join(root, '.git'), { recursive: true });
  const repo = openRepo(parent);
  repo.write(files);
  repo.git('add', '-A');
  repo.git('commit', '-q', '--allow-empty', '-m', 'initial');
  return repo;
}

/**
 * A repository built once per test process by `build` (commits, branches, a bare hub beside it: anything
 * inside the built repository's parent folder) and copied for every call, so a fixture that many tests
 * share costs its git processes once. The copy is a plain folder copy: `build` must not make worktrees
 * (their `.git` files hold absolute paths) or leave processes running. `key` names the fixture and what
 * it was built from; the same key always means the same content.
 */
const built = new Map<string, string>();
export function cachedRepo(key: string, build: () => TempRepo): TempRepo {
  let source = built.get(key);
  if (!source) {
    const original = build();
    source = dirname(original.root);
    removedAtExit(source);
    built.set(key, source);
  }
  return openRepo(copyOf(source));
}

/**
 * A repository in the state an async `build` leaves it in, worktrees included (typically a `baton run`
 * that only brings a test to its starting state): built once per test process and copied for every call,
 * so tests that start from the same run pay for it once. The copy is a plain folder copy of the built
 * repository's parent folder, then every absolute path of the build's folder that git or Baton wrote
 * (a worktree's `.git` file and its `gitdir` back-link, the paths in Baton's log) is rewritten to the
 * copy's, as `git worktree repair` would, and each checkout's index refreshed: each copy is what the
 * build would have left in its own folder. Its files are new ones (inodes, times): a cache that trusts
 * a file only while those hold (Baton's status snapshot under .baton/cache/) is a miss in a copy, so a
 * test of such a cache builds its own. `build` must leave no process running; `key` names the fixture
 * and what it was built from.
 */
const builtAfter = new Map<string, Promise<string>>();
export async function cachedRepoAfter(key: string, build: () => Promise<TempRepo>): Promise<TempRepo> {
  let source = builtAfter.get(key);
  if (!source) {
    source = build().then((original) => {
      const dir = dirname(original.root);
      removedAtExit(dir);
      return dir;
    });
    builtAfter.set(key, source);
  }
  const from = await source;
  const parent = copyOf(from);
  relocate(parent, asBytes(from), asBytes(parent));
  const repo = openRepo(parent);
  // The copies' files have new inodes and times, so the indexes' stat data no longer matches them: git
  // commands that do not refresh it themselves (read-tree -m -u) would take every file for changed.
  for (const checkout of [repo.root, ...worktreesOf(repo.root)]) {
    try {
      execFileSync('git', ['update-index', '-q', '--refresh'], {
        cwd: checkout,
        env: GIT_ENV,
        stdio: 'ignore',
      });
    } catch {
      // A checkout the build left with changes: refreshed all the same, the changes stay changes.
    }
  }
  return repo;
}

/** The folders of a repository's linked worktrees, as their `gitdir` files name them. */
function worktreesOf(root: string): string[] {
  const admin = join(root, '.git', 'worktrees');
  if (!existsSync(admin)) return [];
  return readdirSync(admin)
    .map((name) => join(admin, name, 'gitdir'))
    .filter((file) => existsSync(file))
    .map((file) => dirname(readFileSync(file, 'utf8').trim()))
    .filter((dir) => existsSync(dir));
}

const atExit: string[] = [];
function removedAtExit(dir: string): void {
  if (atExit.length === 0)
    process.once('exit', () => {
      for (const d of atExit) rmSync(d, { recursive: true, force: true });
    });
  atExit.push(dir);
}

/** A fresh temporary folder holding a copy of `source`'s contents. */
function copyOf(source: string): string {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-test-')));
  cpSync(source, parent, { recursive: true, verbatimSymlinks: true });
  return parent;
}

/** A string's UTF-8 bytes, one character each: what `relocate` matches a file's bytes against. */
const asBytes = (text: string) => Buffer.from(text).toString('latin1');

/**
 * Rewrites `from` to `to` (both as `asBytes` gives them) in every file and symlink under `dir`, git's
 * object stores left out (their contents are compressed, and an object's bytes are its name).
 */
function relocate(dir: string, from: string, to: string): void {
  const isGitDir = existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects'));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(isGitDir && entry.name === 'objects')) relocate(path, from, to);
    } else if (entry.isSymbolicLink()) {
      const target = readlinkSync(path, 'latin1');
      if (target.includes(from)) {
        unlinkSync(path);
        symlinkSync(Buffer.from(target.replaceAll(from, to), 'latin1'), path);
      }
    } else if (entry.isFile()) {
      const text = readFileSync(path, 'latin1');
      if (text.includes(from)) writeFileSync(path, Buffer.from(text.replaceAll(from, to), 'latin1'));
    }
  }
}

/** The TempRepo handle of `<parent>/repo`. */
function openRepo(parent: string): TempRepo {
  const root = join(parent, 'repo');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      env: GIT_ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const write = (fs: Record<string, string>) => {
    for (const [path, content] of Object.entries(fs)) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  };
  const commit = (message: string, fs: Record<string, string> = {}) => {
    write(fs);
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { root, git, write, commit, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
