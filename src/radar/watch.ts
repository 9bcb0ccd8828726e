import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Folders never watched: git's own, and dependency trees that agents' installs fill with thousands of files. */
const SKIPPED = new Set(['.git', 'node_modules']);

/** How many folders one worktree may watch before the radar falls back to full scans for it. */
const MAX_WATCHED_DIRS = 5000;

/**
 * Follows one worktree's file changes through inotify (one non-recursive watch per folder), so a
 * radar scan re-examines only what changed since the last one. `take()` answers `all` when the
 * events cannot be trusted (a watch failed, too many folders): the caller then scans in full.
 */
export class WorktreeWatch {
  readonly #root: string;
  readonly #watchers = new Map<string, FSWatcher>();
  #dirty = new Set<string>();
  #newDirs = new Set<string>();
  #lost = false;
  /** Set by `close()`: a scan that was waiting on git when the run ended must not watch anything more. */
  #closed = false;

  constructor(root: string) {
    this.#root = root;
    this.#watchTree('');
  }

  /** Paths (files or folders, relative, `/`-separated) changed since the last call, or `all`. */
  take(isIgnored: (dirs: string[]) => Promise<Set<string>>): Promise<Set<string> | 'all'> {
    return this.#take(isIgnored);
  }

  async #take(isIgnored: (dirs: string[]) => Promise<Set<string>>): Promise<Set<string> | 'all'> {
    // Folders that appeared since the last scan: watch those git does not ignore, and count their files as changed.
    const candidates = [...this.#newDirs].filter((d) => isDirectory(join(this.#root, d)));
    this.#newDirs.clear();
    if (candidates.length > 0) {
      const ignored = await isIgnored(candidates);
      for (const d of candidates) if (!ignored.has(d)) this.#watchTree(d);
    }
    const dirty = this.#dirty;
    this.#dirty = new Set();
    if (this.#lost) {
      this.#lost = false;
      return 'all';
    }
    return dirty;
  }

  /** Stops every watch, for good: an open inotify watch would keep the process alive after the run. */
  close(): void {
    this.#closed = true;
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  #watchTree(rel: string): void {
    if (this.#closed) return;
    const stack = [rel];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      if (this.#watchers.has(dir)) continue;
      if (this.#watchers.size >= MAX_WATCHED_DIRS) {
        this.#lost = true;
        return;
      }
      let entries: import('node:fs').Dirent[];
      try {
        const w = watch(join(this.#root, dir), (_event, name) => this.#changed(dir, name));
        w.on('error', () => {
          this.#lost = true;
        });
        this.#watchers.set(dir, w);
        entries = readdirSync(join(this.#root, dir), { withFileTypes: true });
      } catch {
        // The folder went away between the event and the watch; its parent's event covers it.
        continue;
      }
      // A folder that appeared later is itself a changed path, which covers what was written in it
      // before its watch existed.
      for (const e of entries) {
        if (e.isDirectory() && !SKIPPED.has(e.name)) stack.push(dir ? `${dir}/${e.name}` : e.name);
      }
    }
  }

  #changed(dir: string, name: string | Buffer | null): void {
    if (name === null) {
      this.#lost = true;
      return;
    }
    const base = String(name);
    if (SKIPPED.has(base)) return;
    const rel = dir ? `${dir}/${base}` : base;
    this.#dirty.add(rel);
    if (!this.#watchers.has(rel)) this.#newDirs.add(rel);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
