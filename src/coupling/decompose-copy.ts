/**
 * Taking the kept round of `baton decompose` into the main checkout's specs folder: what the agent
 * added or changed is written, a committed contract it removed is removed (with `--force`), never
 * over a change of yours.
 */
import { lstatSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { realOr } from '../real-nearest.js';
import { escapeControl } from '../text/escape.js';

/**
 * Copies the files the agent added or changed into the main specs folder. Every file is checked before
 * any is written: one that the agent changed although it already existed, or that appeared in the
 * checkout while the agent worked, is a conflict; without `force` a conflict writes nothing.
 */
export async function copyChanged(
  start: ReadonlyMap<string, Buffer>,
  end: ReadonlyMap<string, Buffer>,
  o: {
    root: string;
    force: boolean;
    specsRel: string;
    /** Whether `<specs>/<file>` in the checkout is exactly as HEAD commits it. */
    committed: (file: string) => Promise<boolean>;
    /** A file never removed on the agent's word (the spec being decomposed), absolute. */
    spared?: string | undefined;
  },
): Promise<{ written: string[]; removed: string[]; kept: string[] }> {
  const { specsRel } = o;
  const writes: { target: string; file: string; data: Buffer }[] = [];
  const conflicts: string[] = [];
  for (const [file, data] of end) {
    const before = start.get(file);
    if (before?.equals(data)) continue;
    const target = join(o.root, specsRel, file);
    const now = readRegularFile(target);
    if (now?.equals(data)) continue;
    const shown = `${specsRel}/${escapeControl(file)}`;
    if (now === null) conflicts.push(`${shown} (not a regular file in your checkout)`);
    else if (now !== undefined && !o.force)
      conflicts.push(
        `${shown} (${before ? 'already there; the agent changed it' : 'appeared while the agent worked'})`,
      );
    writes.push({ target, file, data });
  }
  // What the agent removed (a contract renamed or dropped) goes from the checkout too, with --force
  // only, and only as HEAD commits it: git keeps it, and nothing git never saw (your notes, the spec
  // itself) is removed on an agent's word. The rest is kept, and named.
  const removals: { target: string; file: string }[] = [];
  const kept: string[] = [];
  for (const [file, data] of start) {
    if (end.has(file)) continue;
    const target = join(o.root, specsRel, file);
    const now = readRegularFile(target);
    if (now === undefined) continue;
    const spared = o.spared !== undefined && realOr(target) === realOr(o.spared);
    const removable = o.force && !spared && now?.equals(data) === true && (await o.committed(file));
    if (removable) removals.push({ target, file });
    else kept.push(`${specsRel}/${file}`);
  }
  if (conflicts.length > 0) {
    throw new UserError(
      'decompose/would-overwrite',
      `the kept round would overwrite ${conflicts.length} file(s) in ${specsRel}/: ${conflicts.slice(0, 5).join(', ')}${conflicts.length > 5 ? ', …' : ''}; nothing was written`,
      {
        hint: `Copy what you want from ${specsRel}/ in the scratch worktree, or pass --force to let the agent's files replace yours.`,
      },
    );
  }
  for (const w of writes) {
    mkdirSync(dirname(w.target), { recursive: true });
    writeFileSync(w.target, w.data);
  }
  for (const r of removals) {
    rmSync(r.target);
    // Its feature's folder goes with it once empty.
    try {
      rmdirSync(dirname(r.target));
    } catch {
      // Not empty (a spec.md beside it, another file): kept.
    }
  }
  return {
    written: writes.map((w) => `${specsRel}/${w.file}`),
    removed: removals.map((r) => `${specsRel}/${r.file}`),
    kept,
  };
}

/** A file's bytes; undefined when nothing is there, null when something other than a regular file is. */
function readRegularFile(path: string): Buffer | null | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  return st.isFile() ? readFileSync(path) : null;
}
