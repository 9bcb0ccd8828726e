/**
 * The agent's own home for one run: a folder in the feature's scratch dir (outside the worktree)
 * that the agent is pointed at instead of the user's (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`,
 * `GEMINI_CLI_HOME`, OpenCode's XDG folders). It links only what the agent reads from the user's
 * home (settings, credentials, instructions); everything the agent writes (transcripts, history,
 * logs, temp files, lock files) lands in the shadow folder, so the user's home is never written.
 * Copies of the user's files, which may hold tokens, are written 0600 and removed when the agent ends.
 */
import {
  chmodSync,
  closeSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { readRegular } from '../open-regular.js';
import { openStateFile } from '../state-write.js';

/**
 * Links each named entry of `realDir` that exists into `shadowDir` (a symlink to the user's file,
 * never a copy). Safe to call again for a retry: an entry already there is kept.
 */
export function linkEntries(realDir: string, shadowDir: string, names: Iterable<string>): void {
  mkdirSync(shadowDir, { recursive: true, mode: 0o700 });
  for (const name of names) linkOne(join(realDir, name), join(shadowDir, name));
}

/**
 * Links every entry of `realDir` into `shadowDir` except those `except` names (a name, or a pattern
 * for a family such as `*.sqlite`): the agent then finds everything its config names relative to
 * its own folder, as it does outside Baton. A `realDir` that is not a folder has nothing to link.
 */
export function mirrorEntries(
  realDir: string,
  shadowDir: string,
  except: readonly (string | RegExp)[],
): void {
  const skipped = (name: string) => except.some((e) => (typeof e === 'string' ? e === name : e.test(name)));
  linkEntries(
    realDir,
    shadowDir,
    entriesOf(realDir).filter((n) => !skipped(n)),
  );
}

/** The names in a folder; none when it is missing or not a folder. */
export function entriesOf(dir: string): string[] {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(dir) : [];
}

function linkOne(target: string, path: string): void {
  if (!lstatSync(target, { throwIfNoEntry: false })) return;
  if (lstatSync(path, { throwIfNoEntry: false })) return;
  symlinkSync(target, path);
}

/**
 * Writes a file only its owner can read or write (0600): a copy of the user's settings may carry
 * an MCP token or a bearer token. An earlier copy (a retry) is replaced and its mode fixed too; a
 * link put in its place (it lies under `.baton/runs/`) is refused, never written through or chmodded.
 */
export function writePrivateFile(path: string, text: string): void {
  const fd = openStateFile(dirname(path), path, 'truncate', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A cleanup step that removes the given files (copies of the user's config) once the agent has ended. */
export function removeFiles(files: readonly string[]): () => void {
  return () => {
    for (const file of files) rmSync(file, { force: true });
  };
}

/** Creates the shadow home folder, private to the user (0700). */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * The text of a config file of the user's (`~/.claude.json`, `~/.codex/config.toml`…), or undefined
 * when there is none. A link is followed (dotfile managers link them); anything but a regular file
 * there (a folder, a FIFO, which would block the read for ever) or a file that cannot be read is a
 * UserError naming it: the agent could not start with it either.
 */
export function readUserConfig(path: string, agent: string): string | undefined {
  let st: Stats | undefined;
  try {
    st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
  } catch (err) {
    // A file where a folder of the path should be: there is no such config, as for the agent.
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
  }
  const text = st?.isFile() ? readRegular(path, { followLinks: true })?.toString('utf8') : undefined;
  if (text !== undefined) return text;
  throw new UserError('agents/config-unreadable', `cannot read ${path}: ${oddFile(st)}`, {
    hint: `${agent} reads this file too: make it a regular file you can read (or remove it), then run again.`,
  });
}

/** Why a path that is there cannot be read as a config file. */
function oddFile(st: Stats | undefined): string {
  if (!st) return 'it cannot be reached';
  if (st.isDirectory()) return 'it is a folder, not a file';
  if (st.isFIFO()) return 'it is a FIFO, not a file';
  if (st.isFile()) return 'it cannot be read';
  return 'it is not a regular file';
}
