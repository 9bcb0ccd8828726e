import {
  compileOwns,
  expandOwnedPattern,
  hasGlobSyntax,
  isExclusion,
  pathGlobMatcher,
  unescapeGlob,
} from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';
import type { OwnershipOverlap } from './types.js';

/** One glob, prepared once and lazily: most globs are never compared, so most never compile. */
class PreparedGlob {
  readonly glob: string;
  /** The glob as its entry wrote it (`app/(shop)/**` for the literal reading `app/\(shop\)/**`): what a witness names. */
  readonly shown: string;
  /** The literal folders before the first glob character (`src/catalog` for `src/catalog/**`), unescaped. */
  readonly base: string;
  /** Whether the glob is one path (`exact`) or a literal folder and everything below it (`folder`). */
  readonly #shape: 'exact' | 'folder' | 'glob';
  #match: ((path: string) => boolean) | undefined;
  #samples: { paths: string[]; leaves: string[] } | undefined;

  constructor(glob: string) {
    this.glob = glob;
    this.shown = unescapeGlob(glob);
    const parts = glob.split('/');
    const literal = parts.findIndex((part) => hasGlobSyntax(part));
    this.base = unescapeGlob((literal < 0 ? parts : parts.slice(0, literal)).join('/'));
    const folder = literal === parts.length - 1 && parts[literal] === '**' && this.base !== '';
    this.#shape = literal < 0 ? 'exact' : folder ? 'folder' : 'glob';
  }

  match(path: string): boolean {
    this.#match ??= compileGlob(this.glob, this.base, this.#shape);
    return this.#match(path);
  }

  /** Concrete paths the glob matches. */
  get samples(): string[] {
    return this.#sampled().paths;
  }

  /** Sample last segments (`x.ts`), used to fill another glob's trailing `**`. */
  get leaves(): string[] {
    return this.#sampled().leaves;
  }

  #sampled(): { paths: string[]; leaves: string[] } {
    if (!this.#samples) {
      const paths = new Set<string>();
      const leaves = new Set<string>();
      // Escaped characters are set aside while sampling, which reads glob syntax, and put back after.
      const { text, restore } = setEscapesAside(this.glob);
      for (const v of expandBraces(text)) {
        for (const s of sampleGlob(v)) paths.add(restore(s));
        const last = v.split('/').pop() ?? '';
        if (last !== '**') for (const s of sampleGlob(last)) leaves.add(restore(s));
      }
      this.#samples = { paths: [...paths], leaves: [...leaves] };
    }
    return this.#samples;
  }
}

const prepare = (glob: string) => new PreparedGlob(glob);

/** A matcher for one glob; the two shapes most `owns` entries take skip picomatch's costly compile. */
function compileGlob(
  glob: string,
  base: string,
  shape: 'exact' | 'folder' | 'glob',
): (path: string) => boolean {
  if (shape === 'exact') return (path) => path === base;
  if (shape === 'folder') {
    const folder = `${base}/`;
    return (path) => path === base || path.startsWith(folder);
  }
  return pathGlobMatcher(glob);
}

/**
 * A glob with each `\`-escaped character swapped for a private-use stand-in that no glob syntax reads,
 * and the function that puts them back into a sampled path.
 */
function setEscapesAside(glob: string): { text: string; restore: (s: string) => string } {
  const kept: string[] = [];
  const text = glob.replace(/\\(.)/gs, (_, c: string) => String.fromCharCode(0xe000 + kept.push(c) - 1));
  const restore = (s: string) =>
    kept.length === 0 ? s : s.replace(/[\ue000-\uf8ff]/g, (ch) => kept[ch.charCodeAt(0) - 0xe000] ?? ch);
  return { text, restore };
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
  if (a.glob === b.glob) return a.shown;
  if (a.match(b.shown)) return b.shown;
  if (b.match(a.shown)) return a.shown;
  for (const s of a.samples) if (b.match(s)) return s;
  for (const s of b.samples) if (a.match(s)) return s;
  // `src/catalog/**` against `src/**/*.ts`: fill the trailing ** with the other's file name.
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    if (!x.glob.endsWith('**')) continue;
    const stem = x.shown.slice(0, -2);
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

/** What `findOverlaps` found, and how many pairs only tracked files could still show overlapping. */
export interface OverlapJudgment {
  overlaps: OwnershipOverlap[];
  /**
   * Unrelated pairs whose globs can meet (one's literal folder holds the other's) but whose sample paths
   * did not: only a tracked file both match can show them overlapping. With none, `files` changes nothing.
   */
  open: number;
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
  return judgeOverlaps(contracts, related, files).overlaps;
}

/** `findOverlaps`, with how many pairs were left for the tracked files to settle (`open`). */
export function judgeOverlaps(
  contracts: readonly Contract[],
  related: (a: string, b: string) => boolean,
  files: readonly string[] = [],
): OverlapJudgment {
  const prepared = contracts.map((c) => c.owns.flatMap(expandOwnedPattern).map(prepare));
  // Globs indexed by literal base: two globs can only meet when one base is the other or an ancestor of it,
  // so each glob is compared with the globs filed under its base's ancestors, not with every other glob.
  const byBase = new Map<string, { owner: number; glob: PreparedGlob }[]>();
  prepared.forEach((globs, owner) => {
    for (const glob of globs) {
      const list = byBase.get(glob.base) ?? [];
      list.push({ owner, glob });
      byBase.set(glob.base, list);
    }
  });
  const candidates = new Set<number>();
  const n = contracts.length;
  prepared.forEach((globs, i) => {
    for (const glob of globs) {
      for (const prefix of ancestorsOf(glob.base)) {
        for (const other of byBase.get(prefix) ?? []) {
          if (other.owner === i) continue;
          candidates.add(Math.min(i, other.owner) * n + Math.max(i, other.owner));
        }
      }
    }
  });
  // An exclusion (`!src/b/**`) narrows a contract's globs: a shared path it takes away is no overlap.
  const narrowed = contracts.map((c) => (c.owns.some(isExclusion) ? compileOwns(c.owns) : undefined));
  const owns = (k: number, path: string) => narrowed[k]?.(path) ?? true;
  const found = new Map<number, OwnershipOverlap>();
  let open = 0;
  for (const pair of [...candidates].sort((x, y) => x - y)) {
    const i = Math.floor(pair / n);
    const j = pair % n;
    const ci = contracts[i] as Contract;
    const cj = contracts[j] as Contract;
    if (related(ci.feature_id, cj.feature_id)) continue;
    // The first path both own that neither takes away (`!…`); a pair of globs gives one sample each.
    const w = firstWitness(prepared[i] ?? [], prepared[j] ?? [], (path) => owns(i, path) && owns(j, path));
    if (w !== undefined) found.set(pair, pairOf(ci.feature_id, cj.feature_id, w));
    else open++;
  }
  // A tracked file matched by both catches overlaps the sample paths miss (extglobs, classes): only
  // among the open pairs, so with none there is nothing to look for.
  for (const file of open > 0 ? files : []) {
    const path = file.replace(/^\.\//, '');
    const owners = new Set<number>();
    for (const prefix of ancestorsOf(path)) {
      for (const { owner, glob } of byBase.get(prefix) ?? []) {
        if (!owners.has(owner) && glob.match(path) && owns(owner, path)) owners.add(owner);
      }
    }
    if (owners.size < 2) continue;
    const list = [...owners].sort((x, y) => x - y);
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const i = list[x] as number;
        const j = list[y] as number;
        const pair = i * n + j;
        const ci = contracts[i] as Contract;
        const cj = contracts[j] as Contract;
        if (found.has(pair) || related(ci.feature_id, cj.feature_id)) continue;
        found.set(pair, pairOf(ci.feature_id, cj.feature_id, path));
      }
    }
  }
  const overlaps = [...found.values()].sort((p, q) => p.a.localeCompare(q.a) || p.b.localeCompare(q.b));
  return { overlaps, open };
}

/** `src/a/b` → `''`, `src`, `src/a`, `src/a/b`: the folders a path sits in, and the path itself. */
function ancestorsOf(path: string): string[] {
  if (path === '') return [''];
  const parts = path.split('/');
  const out = [''];
  for (let k = 1; k <= parts.length; k++) out.push(parts.slice(0, k).join('/'));
  return out;
}

function firstWitness(
  a: readonly PreparedGlob[],
  b: readonly PreparedGlob[],
  kept: (path: string) => boolean,
): string | undefined {
  for (const ga of a) {
    for (const gb of b) {
      const w = witness(ga, gb);
      if (w !== undefined && kept(w)) return w;
    }
  }
  return undefined;
}

function pairOf(x: string, y: string, pattern: string): OwnershipOverlap {
  return x < y ? { a: x, b: y, pattern } : { a: y, b: x, pattern };
}
