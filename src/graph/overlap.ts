import picomatch from 'picomatch';
import type { Contract } from '../contracts/schema.js';
import type { OwnershipOverlap } from './types.js';

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * The globs an `owns` entry stands for: `src/db.ts` is that file, `src/catalog` and `src/catalog/` also
 * everything under it, because people name folders without a trailing `/**`.
 */
export function expandOwnedPattern(pattern: string): string[] {
  let p = pattern.trim().replace(/^\.\//, '');
  if (p.endsWith('/')) p = `${p}**`;
  if (!GLOB_CHARS.test(p)) return [p, `${p}/**`];
  return [p];
}

/** A predicate telling whether a repository path falls under any of the `owns` globs. */
export function ownsMatcher(owns: readonly string[]): (path: string) => boolean {
  const globs = owns.flatMap(expandOwnedPattern);
  if (globs.length === 0) return () => false;
  const match = picomatch(globs, { dot: true });
  return (path) => match(path.replace(/^\.\//, ''));
}

/** One glob, prepared once: its matcher, literal base folder and sample paths. */
interface PreparedGlob {
  glob: string;
  match: (path: string) => boolean;
  base: string;
  samples: string[];
  /** Sample last segments (`x.ts`), used to fill another glob's trailing `**`. */
  leaves: string[];
}

function prepare(glob: string): PreparedGlob {
  const variants = expandBraces(glob);
  const samples = new Set<string>();
  const leaves = new Set<string>();
  for (const v of variants) {
    for (const s of sampleGlob(v)) samples.add(s);
    const last = v.split('/').pop() ?? '';
    if (last !== '**') for (const s of sampleGlob(last)) leaves.add(s);
  }
  return {
    glob,
    match: picomatch(glob, { dot: true }),
    base: picomatch.scan(glob).base,
    samples: [...samples],
    leaves: [...leaves],
  };
}

/** `a/{b,c}/d` → `a/b/d`, `a/c/d` (capped: only a witness is needed, not every path). */
function expandBraces(glob: string): string[] {
  const m = /\{([^{}]*)\}/.exec(glob);
  if (!m) return [glob];
  const out: string[] = [];
  for (const alt of (m[1] ?? '').split(',')) {
    out.push(...expandBraces(glob.slice(0, m.index) + alt + glob.slice(m.index + m[0].length)));
    if (out.length >= 16) break;
  }
  return out;
}

/** Concrete paths a glob matches, with `**` taken as zero and as one folder. */
function sampleGlob(glob: string): string[] {
  const fill = (s: string) =>
    s
      .replace(/\[!?([^\]])[^\]]*\]/g, '$1')
      .replace(/[*?]+/g, 'x')
      .replace(/[()!+@|]/g, '');
  const zero = glob.replace(/(^|\/)\*\*\//g, '$1').replace(/\/\*\*$/, '/x');
  const one = glob.replace(/\*\*/g, 'x');
  return [...new Set([fill(zero), fill(one)])].filter((s) => s !== '');
}

/** Whether two literal bases can hold a common path: one is the other or a folder inside it. */
function basesMeet(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return true;
  return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** A glob or path both prepared globs cover, or undefined when they look disjoint. */
function witness(a: PreparedGlob, b: PreparedGlob): string | undefined {
  if (!basesMeet(a.base, b.base)) return undefined;
  if (a.glob === b.glob) return a.glob;
  if (a.match(b.glob)) return b.glob;
  if (b.match(a.glob)) return a.glob;
  for (const s of a.samples) if (b.match(s)) return s;
  for (const s of b.samples) if (a.match(s)) return s;
  // `src/catalog/**` against `src/**/*.ts`: fill the trailing ** with the other's file name.
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    if (!x.glob.endsWith('**')) continue;
    const stem = x.glob.slice(0, -2);
    for (const leaf of y.leaves) {
      const path = `${stem}${leaf}`;
      if (x.match(path) && y.match(path)) return path;
    }
  }
  return undefined;
}

/** Decides whether two `owns` globs can cover a common path, and names one (pure). */
export function globsOverlap(a: string, b: string): string | undefined {
  for (const ga of expandOwnedPattern(a)) {
    for (const gb of expandOwnedPattern(b)) {
      const w = witness(prepare(ga), prepare(gb));
      if (w !== undefined) return w;
    }
  }
  return undefined;
}

/**
 * Pairs of features whose `owns` globs overlap although neither depends on the other, judged from the
 * globs themselves and from repository files matching both (pure; `files` are paths relative to the root).
 */
export function findOverlaps(
  contracts: readonly Contract[],
  related: (a: string, b: string) => boolean,
  files: readonly string[] = [],
): OwnershipOverlap[] {
  const prepared = contracts.map((c) => c.owns.flatMap(expandOwnedPattern).map(prepare));
  const found = new Map<string, OwnershipOverlap>();
  const key = (i: number, j: number) => `${i}\u0000${j}`;
  for (let i = 0; i < contracts.length; i++) {
    for (let j = i + 1; j < contracts.length; j++) {
      const ci = contracts[i] as Contract;
      const cj = contracts[j] as Contract;
      if (ci.owns.length === 0 || cj.owns.length === 0) continue;
      if (related(ci.feature_id, cj.feature_id)) continue;
      const w = firstWitness(prepared[i] ?? [], prepared[j] ?? []);
      if (w !== undefined) found.set(key(i, j), pairOf(ci.feature_id, cj.feature_id, w));
    }
  }
  if (files.length > 0) {
    // A tracked file matched by both catches overlaps the sample paths miss (extglobs, classes).
    const matchers = contracts.map((c) => (c.owns.length > 0 ? ownsMatcher(c.owns) : undefined));
    for (const file of files) {
      const owners: number[] = [];
      matchers.forEach((m, i) => {
        if (m?.(file)) owners.push(i);
      });
      for (let x = 0; x < owners.length; x++) {
        for (let y = x + 1; y < owners.length; y++) {
          const i = owners[x] as number;
          const j = owners[y] as number;
          const ci = contracts[i] as Contract;
          const cj = contracts[j] as Contract;
          if (found.has(key(i, j)) || related(ci.feature_id, cj.feature_id)) continue;
          found.set(key(i, j), pairOf(ci.feature_id, cj.feature_id, file));
        }
      }
    }
  }
  return [...found.values()].sort((p, q) => p.a.localeCompare(q.a) || p.b.localeCompare(q.b));
}

function firstWitness(a: readonly PreparedGlob[], b: readonly PreparedGlob[]): string | undefined {
  for (const ga of a) {
    for (const gb of b) {
      const w = witness(ga, gb);
      if (w !== undefined) return w;
    }
  }
  return undefined;
}

function pairOf(x: string, y: string, pattern: string): OwnershipOverlap {
  return x < y ? { a: x, b: y, pattern } : { a: y, b: x, pattern };
}
