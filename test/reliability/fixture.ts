import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/** A repository with contracts for `ids`, ready for feature worktrees beside it. */
export function projectRepo(ids: string[]): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\nnode_modules/\n',
    'README.md': '# project\n',
    ...contractFiles(ids.map((id) => ({ id }))),
  });
}

/** Where Baton puts a worktree by default: `../<repo>.baton-worktrees/<name>`. */
export function worktreePath(repo: TempRepo, name: string): string {
  return join(repo.root, '..', 'repo.baton-worktrees', name);
}

/** Makes the feature's worktree on `baton/<id>` from `main`, as `baton run` does. */
export function addFeatureWorktree(repo: TempRepo, id: string): string {
  const path = worktreePath(repo, id);
  mkdirSync(dirname(path), { recursive: true });
  repo.git('worktree', 'add', '-q', '-b', `baton/${id}`, path, 'main');
  return path;
}

/** Writes files into a worktree. */
export function writeIn(path: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(path, rel)), { recursive: true });
    writeFileSync(join(path, rel), text);
  }
}

/** Writes files into a worktree and commits them there. */
export function commitIn(
  repo: TempRepo,
  path: string,
  message: string,
  files: Record<string, string>,
): string {
  writeIn(path, files);
  repo.git('-C', path, 'add', '-A');
  repo.git('-C', path, 'commit', '-q', '-m', message);
  return repo.git('-C', path, 'rev-parse', 'HEAD');
}

/** Every file of the main checkout (outside .git) with its content, to prove it was not touched. */
export function checkoutSnapshot(repo: TempRepo): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else out[r] = readFileSync(p, 'utf8');
    }
  };
  walk(repo.root, '');
  out['.git HEAD'] = repo.git('rev-parse', 'HEAD');
  out['.git branch'] = repo.git('branch', '--show-current');
  return out;
}

/** The `baton/*` branches that exist. */
export function batonBranches(repo: TempRepo): string[] {
  const out = repo.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/baton/');
  return out === '' ? [] : out.split('\n');
}

/** Paths git lists as worktrees, the main checkout first. */
export function worktreeList(repo: TempRepo): string[] {
  return repo
    .git('worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));
}

/** Appends raw lines to the project's log. */
export function appendLog(repo: TempRepo, events: object[]): void {
  const dir = join(repo.root, '.baton');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'log.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''), { flag: 'a' });
}
