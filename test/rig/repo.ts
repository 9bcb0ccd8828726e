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
import { basename, dirname, join } from 'node:path';

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
 * (their `.git` files hold absolute paths; `cachedState` rewrites them) or leave processes running. `key`
 * names the fixture and what it was built from; the same key always means the same content.
 */
const built = new Map<string, string>();
export function cachedRepo(key: string, build: () => TempRepo): TempRepo {
  let source = built.get(key);
  if (!source) {
    source = keepUntilExit(dirname(build().root));
    built.set(key, source);
  }
  return openRepo(copyFolder(source));
}

const builtStates = new Map<string, Promise<string>>();

/**
 * As `cachedRepo`, for a state whose build made worktrees or wrote the repository's absolute path into
 * files (a run's log, a killed Baton's integration worktree), and whose build may be async (a `baton run`
 * in-process): in each copy the built parent folder's path is rewritten to the copy's own, in every file
 * outside git's object store (a worktree's `.git`, git's `gitdir`, Baton's log) and in every link, so the
 * copy is what `build` would have made there. Both paths are `mkdtemp` names of one length, so no byte
 * moves. Each checkout's index is then refreshed (its stat data names the build's files). The copy's
 * files are new ones (inodes, times): a cache that trusts a file only while those hold (Baton's status
 * snapshot under .baton/cache/) is a miss in a copy, so a test of such a cache builds its own. `build`
 * must still leave no process running.
 */
export async function cachedState(key: string, build: () => TempRepo | Promise<TempRepo>): Promise<TempRepo> {
  let source = builtStates.get(key);
  if (!source) {
    source = (async () => keepUntilExit(dirname((await build()).root)))();
    builtStates.set(key, source);
    // A build that failed is tried again by the next test, as an uncached one would be.
    source.catch(() => builtStates.delete(key));
  }
  const from = await source;
  const parent = copyFolder(from);
  // Rewritten in place, byte for byte: a path of another length would shift git's index entries.
  if (parent.length !== from.length) throw new Error(`cachedState: ${parent} and ${from} differ in length`);
  rewritePaths(parent, Buffer.from(from), Buffer.from(parent));
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

const kept: string[] = [];

/** Removes `dir` (a built fixture) when the test process exits; returns it. */
function keepUntilExit(dir: string): string {
  if (kept.length === 0)
    process.once('exit', () => {
      for (const d of kept) rmSync(d, { recursive: true, force: true });
    });
  kept.push(dir);
  return dir;
}

/** A fresh parent folder holding a copy of `source`'s contents. */
function copyFolder(source: string): string {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-test-')));
  cpSync(source, parent, { recursive: true, verbatimSymlinks: true });
  return parent;
}

/** Replaces `from` with `to` in every file and link below `dir`, but in git's object stores (compressed, path-free). */
function rewritePaths(dir: string, from: Buffer, to: Buffer): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(entry.name === 'objects' && basename(dir) === '.git')) rewritePaths(path, from, to);
    } else if (entry.isSymbolicLink()) {
      const target = readlinkSync(path);
      if (target.includes(from.toString())) {
        unlinkSync(path);
        symlinkSync(target.replaceAll(from.toString(), to.toString()), path);
      }
    } else if (entry.isFile()) {
      const content = readFileSync(path);
      if (content.includes(from)) writeFileSync(path, replaceAll(content, from, to));
    }
  }
}

function replaceAll(content: Buffer, from: Buffer, to: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = content.indexOf(from); i !== -1; i = content.indexOf(from, at)) {
    parts.push(content.subarray(at, i), to);
    at = i + from.length;
  }
  parts.push(content.subarray(at));
  return Buffer.concat(parts);
}

/**
 * The commit HEAD names, read from the repository's files (a `rev-parse` process fewer per `commit`, 1,200
 * over a suite run); undefined when git keeps it elsewhere (a packed ref, a linked `.git` file).
 */
function headOf(root: string): string | undefined {
  const read = (path: string) => {
    try {
      return readFileSync(join(root, '.git', path), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const head = read('HEAD');
  const ref = head?.startsWith('ref: ') ? read(head.slice(5)) : head;
  return ref && /^[0-9a-f]{40}$/.test(ref) ? ref : undefined;
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
    return headOf(root) ?? git('rev-parse', 'HEAD');
  };
  return { root, git, write, commit, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
