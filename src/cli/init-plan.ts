/**
 * What `baton init` writes, decided before anything is written (plan, check, then apply): a file that is
 * missing is created; one already there is kept, or with --force replaced after a backup of it; no path
 * loses what the user wrote in it.
 */
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { nothingAt } from '../open-regular.js';
import { refuseUnsafeWrite, writeInProject } from './project-writes.js';
import { refuseWrongKinds } from './wrong-kind.js';

/** The id of the sample contract init writes. */
export const SAMPLE_ID = 'feature-001-example';

/**
 * The agent and test command the project has once init is done, and where they come from: the config
 * init writes, or the one it keeps (its own agent and test, whatever the flags and the machine say).
 */
export interface InitSettings {
  agent: string;
  test: string | undefined;
  from: 'written' | 'kept';
  /** What the config `--force` replaced said, when it named another agent or test command. */
  replaced?: { agent: string; test: string | undefined };
  /** The settings of the config `--force` replaced that are written again (`specs`, `copy`, …). */
  carried?: string[];
  /** Why the config `--force` replaced gave no settings to write again: its first error. */
  dropped?: string;
}

/** What init will write, planned before the first write. */
export interface InitPlan {
  /** The config file (the one already there, whatever its supported name, else baton.config.json). */
  config: InitFile;
  /** The sample contract, or undefined when the specs folder already holds other contracts. */
  sample: InitFile | undefined;
  /** The specs folder, relative to the root. */
  specs: string;
  /** The contracts already in the specs folder, when the sample is left out for them. */
  others: string[];
  settings: InitSettings;
  /** The command the sample's `tests` criterion runs, when it has one. */
  sampleTest: string | undefined;
}

/** One file init writes and what it does with it: create it, keep it, leave it (same text) or replace it. */
export type InitFile =
  | { rel: string; path: string; text: string; action: 'create' | 'keep' | 'same' }
  | { rel: string; path: string; text: string; action: 'replace'; backup: string };

/**
 * What init does with the file at `rel` that should read `text`: only --force replaces one already
 * there. Anything there but a file (a dangling symlink, a FIFO, a folder) is refused now, before the
 * first write: an exclusive create would fail on it half-way, a read would wait on a FIFO.
 */
export function planFile(root: string, rel: string, text: string, force: boolean): InitFile {
  const path = join(root, rel);
  refuseWrongKinds('init', root, [{ path: rel, kind: 'file' }]);
  if (nothingAt(path)) return { rel, path, text, action: 'create' };
  if (readFileSync(path, 'utf8') === text) return { rel, path, text, action: 'same' };
  if (!force) return { rel, path, text, action: 'keep' };
  return { rel, path, text, action: 'replace', backup: backupPath(path) };
}

/**
 * A name beside `path` for its backup that nothing has yet, not even a dangling symlink (the exclusive
 * copy would fail on it): `<file>.bak`, else `<file>.bak.1`, `.bak.2`, …
 */
export function backupPath(path: string): string {
  if (nothingAt(`${path}.bak`)) return `${path}.bak`;
  let n = 1;
  while (!nothingAt(`${path}.bak.${n}`)) n++;
  return `${path}.bak.${n}`;
}

/** The feature folders under `specs` that hold a contract.md, but `except`. */
export function contractFolders(specs: string, except: string): string[] {
  try {
    return readdirSync(specs, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== except && existsSync(join(specs, e.name, 'contract.md')))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Every path a planned file's writes touch (the file, and its backup), for the checks before writing. */
export function pathsWritten(files: readonly InitFile[]): string[] {
  return files.flatMap((f) =>
    f.action === 'create' ? [f.path] : f.action === 'replace' ? [f.path, f.backup] : [],
  );
}

/** Refuses, before the first write, any path of the plan that leads out of the repository or is not writable. */
export function checkPlannedWrites(root: string, paths: readonly string[]): void {
  for (const path of paths) refuseUnsafeWrite('init', root, path);
}

/** Writes a planned file: a new one exclusively, a replaced one after copying it to its backup. */
export function applyFile(root: string, f: InitFile): void {
  if (f.action === 'keep' || f.action === 'same') return;
  if (f.action === 'replace') {
    // COPYFILE_EXCL: a backup that appeared since the plan is never overwritten.
    writeInProject('init', root, f.backup, () => copyFileSync(f.path, f.backup, constants.COPYFILE_EXCL));
    writeInProject('init', root, f.path, () => writeFileSync(f.path, f.text));
    return;
  }
  writeInProject('init', root, dirname(f.path), () => mkdirSync(dirname(f.path), { recursive: true }));
  writeInProject('init', root, f.path, () => writeFileSync(f.path, f.text, { flag: 'wx' }));
}

/** A planned file's line in init's summary: the word for what was done, then the file and why. */
export function describeFile(
  root: string,
  f: InitFile,
): { word: 'created' | 'kept' | 'replaced'; rest: string } {
  switch (f.action) {
    case 'create':
      return { word: 'created', rest: f.rel };
    case 'same':
      return { word: 'kept', rest: `${f.rel} (unchanged)` };
    case 'keep':
      return {
        word: 'kept',
        rest: `${f.rel} (already there; \`baton init --force\` replaces it, keeping a backup)`,
      };
    case 'replace':
      return { word: 'replaced', rest: `${f.rel} (backup: ${relative(root, f.backup)})` };
  }
}
