import picomatch from 'picomatch';
import { rootRelative } from '../path-inside.js';

/**
 * The one rule for what an `owns` entry covers. Lint's overlaps, the ownership check, integrate's
 * violations, the report and the coupling analysis all call this module, so they cannot disagree.
 */

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** What the literal reading escapes: every character picomatch gives a meaning to but `*` and `?`. */
const LITERAL_ESCAPED = /[()[\]{}!+@|\\]/;

/** Tells whether a repository path falls under a set of `owns` patterns. */
export type OwnsMatcher = (path: string) => boolean;

/**
 * The globs an `owns` entry stands for (pure): `src/db.ts` is that file (and so are `./src/db.ts` and
 * `/src/db.ts`, from the repository root), and `src/catalog` and `src/catalog/` also cover everything
 * under it, because people name folders without `/**`. An entry is read twice and owns what either
 * reading covers: as a glob, and literally (every character but the wildcards `*`, `**`, `?`, an
 * extglob written as one, `@(…)`, and a `{a,b}` list taken as itself), so the folders people name
 * with brackets, parentheses or `+` (Next.js's `app/(shop)` and `app/products/[id]`, `src/c++`)
 * own their files. The literal reading comes first, so a witness names the path as written.
 */
export function expandOwnedPattern(pattern: string): string[] {
  if (isExclusion(pattern)) return [];
  let p = rootRelative(pattern.trim());
  const folder = p.endsWith('/');
  if (folder) p = p.replace(/\/+$/, '');
  const literal = literalReading(p);
  const readings = [
    ...withFolderForm(literal.glob, folder, literal.wild),
    ...withFolderForm(p, folder, hasGlobSyntax(p)),
  ];
  return [...new Set(readings)];
}

/** A glob as one entry reading: `x/` is everything below x, and `x` without wildcards also x itself. */
function withFolderForm(glob: string, folder: boolean, wild: boolean): string[] {
  if (folder) return [`${glob}/**`];
  return wild ? [glob] : [glob, `${glob}/**`];
}

/**
 * An entry read literally, as a picomatch glob (pure): every character escaped but `*` and `?`, an
 * extglob (`@(`, `!(`, `+(`, `*(`, `?(` up to its `)`) and a `{…}` list with a `,` or `..`;
 * `wild` says whether any of those is left, so whether the folder form applies.
 */
function literalReading(p: string): { glob: string; wild: boolean } {
  let glob = '';
  let wild = false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charAt(i);
    const end =
      c === '{' ? braceListEnd(p, i) : '@!+*?'.includes(c) && p[i + 1] === '(' ? closingIndex(p, i + 1) : -1;
    if (end >= 0) {
      glob += p.slice(i, end + 1);
      wild = true;
      i = end;
    } else if (c === '*' || c === '?') {
      glob += c;
      wild = true;
    } else {
      glob += LITERAL_ESCAPED.test(c) ? `\\${c}` : c;
    }
  }
  return { glob, wild };
}

/** The index of the bracket closing the one at `open` (`(`…`)` or `{`…`}`, nested ones skipped), or -1. */
function closingIndex(p: string, open: number): number {
  const [opening, closing] = p[open] === '{' ? ['{', '}'] : ['(', ')'];
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === opening) depth++;
    else if (p[i] === closing && --depth === 0) return i;
  }
  return -1;
}

/** The index of the `}` closing a brace list opened at `open` (one with a `,` or `..`), or -1. */
function braceListEnd(p: string, open: number): number {
  const end = closingIndex(p, open);
  const inner = end < 0 ? '' : p.slice(open + 1, end);
  return inner.includes(',') || inner.includes('..') ? end : -1;
}

/** Whether a glob holds a character picomatch gives a meaning to, leaving `\`-escaped ones aside (pure). */
export function hasGlobSyntax(glob: string): boolean {
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (GLOB_CHARS.test(glob.charAt(i))) return true;
  }
  return false;
}

/** A glob as it was written, before the literal reading escaped it: `app/\(shop\)/**` → `app/(shop)/**` (pure). */
export function unescapeGlob(glob: string): string {
  return glob.replace(/\\(.)/gs, '$1');
}

/**
 * How globs match a repository path, wherever Baton matches one (`owns`, copy patterns, a files
 * check's globs, lint's overlap witnesses): dot files included, and `*`/`**` across any character a
 * path may hold. `s`: picomatch builds them on `.`, which would stop at a newline.
 */
export function pathGlobMatcher(globs: string | readonly string[]): (path: string) => boolean {
  return picomatch(globs as string | string[], { dot: true, flags: 's' });
}

/**
 * Whether an `owns` entry takes paths away (`!src/a/generated.ts`, as in `.gitignore`) rather than
 * adding them: it only narrows what the other entries cover, never owns anything itself.
 */
export function isExclusion(pattern: string): boolean {
  return pattern.trim().startsWith('!');
}

/**
 * Compiles `owns` patterns into one matcher (pure): a path is owned when an entry covers it and no
 * exclusion (`!…`) does; no patterns, or exclusions only, match nothing. An exclusion takes away all
 * that the same text would own as an entry, both readings: narrower ownership only makes the owns
 * check stricter, where a reading left out would let a feature own what its author took away.
 */
export function compileOwns(patterns: readonly string[]): OwnsMatcher {
  const globs = patterns.flatMap(expandOwnedPattern);
  if (globs.length === 0) return () => false;
  const match = pathGlobMatcher(globs);
  const excluded = patterns.filter(isExclusion).flatMap((p) => expandOwnedPattern(p.trim().slice(1)));
  const unmatch = excluded.length > 0 ? pathGlobMatcher(excluded) : () => false;
  return (path) => {
    const p = path.replace(/^\.\//, '');
    return match(p) && !unmatch(p);
  };
}

/** The changed files that no `owns` pattern covers, in the order given (pure). */
export function filesOutsideOwns(changed: readonly string[], owns: readonly string[]): string[] {
  const owned = compileOwns(owns);
  return changed.filter((f) => !owned(f));
}
