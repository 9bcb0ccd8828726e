import type { Diagnostic } from '../errors.js';
import type { OwnershipOverlap } from '../graph/types.js';
import { rootRelative, writtenOutside } from '../path-inside.js';
import { unknownDependencyHint } from './dependency-hint.js';
import { diagnosticAt } from './diagnostic-at.js';
import {
  fixBlockedBy,
  renderHttpFlow,
  suggestHttpMeasure,
  uncoveredNote,
  unmeasurableLatency,
} from './measure.js';
import { compileOwns } from './owns.js';
import type { SalvagedContract } from './salvage.js';
import type { Contract, Criterion } from './schema.js';
import { TEMPLATE_PLACEHOLDER } from './template.js';

/** The placeholder contracts write literally in URLs; Baton substitutes the feature's port. */
const PORT = ['$', '{PORT}'].join('');

/** A word that makes a criterion unmeasurable, and the measurable form to write instead. */
export interface VagueWord {
  word: string;
  suggestion: string;
}

const LATENCY = `state a threshold and let Baton measure it, e.g. "GET /products p95 < 100 ms" with \`http: { url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }\``;
const OUTCOME =
  'name the observable outcome and the command that proves it, e.g. "invalid input returns 400" with `run: npm test -- validation`';
const FAILURE =
  'name the failure it survives and a command that provokes it, e.g. "a dropped database connection is retried within 5 s" with `run: npm test -- retry`';
const LOAD =
  'name the load and the bound, e.g. "p95 < 200 ms at 50 concurrent requests" with `http: { url: …, requests: 1000, concurrency: 50, p95_ms: 200 }`';
const FACT =
  'state it as a fact with a number or a command, e.g. "responds within 200 ms" or `run: npm test -- upload`';
const USABILITY =
  'name a task and a limit, e.g. "a new user uploads a file in 3 clicks or fewer" with an end-to-end test `run: npm run e2e -- upload`';
const SECURITY =
  'name the check, e.g. "no high-severity advisories" with `run: npm audit --audit-level=high`, or "rejects an expired token" with `run: npm test -- auth`';

/** Words that say nothing measurable on their own, each with the measurable form to suggest. */
export const VAGUE_WORDS: readonly VagueWord[] = [
  { word: 'fast', suggestion: LATENCY },
  { word: 'quick', suggestion: LATENCY },
  { word: 'quickly', suggestion: LATENCY },
  { word: 'performant', suggestion: LATENCY },
  { word: 'responsive', suggestion: LATENCY },
  { word: 'efficient', suggestion: LATENCY },
  { word: 'low latency', suggestion: LATENCY },
  { word: 'scalable', suggestion: LOAD },
  { word: 'scale', suggestion: LOAD },
  { word: 'robust', suggestion: FAILURE },
  { word: 'reliable', suggestion: FAILURE },
  { word: 'resilient', suggestion: FAILURE },
  { word: 'stable', suggestion: FAILURE },
  { word: 'properly', suggestion: OUTCOME },
  { word: 'correctly', suggestion: OUTCOME },
  { word: 'good', suggestion: OUTCOME },
  { word: 'well', suggestion: OUTCOME },
  { word: 'nice', suggestion: OUTCOME },
  { word: 'clean', suggestion: OUTCOME },
  { word: 'appropriate', suggestion: OUTCOME },
  { word: 'appropriately', suggestion: OUTCOME },
  { word: 'as expected', suggestion: OUTCOME },
  { word: 'works', suggestion: OUTCOME },
  { word: 'handles', suggestion: OUTCOME },
  { word: 'should', suggestion: FACT },
  { word: 'could', suggestion: FACT },
  { word: 'might', suggestion: FACT },
  { word: 'ideally', suggestion: FACT },
  { word: 'reasonable', suggestion: FACT },
  { word: 'etc', suggestion: FACT },
  { word: 'user-friendly', suggestion: USABILITY },
  { word: 'intuitive', suggestion: USABILITY },
  { word: 'easy', suggestion: USABILITY },
  { word: 'simple', suggestion: USABILITY },
  { word: 'secure', suggestion: SECURITY },
  { word: 'safe', suggestion: SECURITY },
];

/** The words' patterns, made on first use: Unicode-aware patterns cost milliseconds to build, and most commands never look. */
let wordPatterns: Array<{ vague: VagueWord; pattern: RegExp }> | undefined;
function patterns(): Array<{ vague: VagueWord; pattern: RegExp }> {
  wordPatterns ??= VAGUE_WORDS.map((v) => ({
    vague: v,
    pattern: new RegExp(
      `(^|[^\\p{L}\\p{N}-])${v.word.replace(/[-\s]/g, '[-\\s]')}($|[^\\p{L}\\p{N}-])`,
      'iu',
    ),
  }));
  return wordPatterns;
}

/** The vague words in a criterion's text, in list order (pure). */
export function findVagueWords(text: string): VagueWord[] {
  return patterns()
    .filter(({ pattern }) => pattern.test(text))
    .map(({ vague }) => vague);
}

/** What a criterion lacks, if anything: `vague` (no check, no number, a vague word) or `unverifiable` (no check). */
export function judgeCriterion(c: Pick<Criterion, 'text' | 'kind'>): {
  verdict: 'measurable' | 'vague' | 'unverifiable';
  words: VagueWord[];
} {
  if (c.kind !== 'unverifiable') return { verdict: 'measurable', words: [] };
  const words = /\d/.test(c.text) ? [] : findVagueWords(c.text);
  return { verdict: words.length > 0 ? 'vague' : 'unverifiable', words };
}

/** The check to suggest for a criterion that has none, guessed from its text. */
export function suggestCheck(text: string): string {
  if (
    /\b(p\d\d|latency|ms|milliseconds?|seconds?|GET|POST|PUT|PATCH|DELETE|requests?|endpoint)\b/i.test(text)
  ) {
    return `add \`http: { url: "http://127.0.0.1:${PORT}/…", p95_ms: <threshold> }\` so Baton measures it`;
  }
  if (/\b(files?|exists?|created|directory|folder|docs?)\b/i.test(text)) {
    return 'add `files: { exist: ["path/or/glob"] }` so Baton checks it';
  }
  return 'add `run: <command>` (exit 0 = pass), e.g. `run: npm test -- <feature>`, so Baton can check it';
}

/** Lint warnings for valid contracts: vague or unverifiable criteria, no criteria, no or overlapping owned paths (pure). */
export function lintContracts(
  contracts: readonly Contract[],
  overlaps: readonly OwnershipOverlap[],
): Diagnostic[] {
  const out = contracts.flatMap((c) => lintContract(c, NONE_FAILED));
  const byId = new Map(contracts.map((c) => [c.feature_id, c]));
  for (const o of overlaps) {
    const found = lintOverlap(byId, o);
    if (found) out.push(found);
  }
  return out;
}

/**
 * The same warnings for contracts that did not parse, on the parts that validated (pure): a rule that
 * reads a field that did not validate says nothing (no "owns no paths" for an `owns` that is wrong), and
 * the overlaps, which need every contract's `owns` and the dependency order, are left to a clean pass.
 */
export function lintSalvaged(salvaged: readonly SalvagedContract[]): Diagnostic[] {
  return salvaged.flatMap(({ contract, failed }) => lintContract(contract, failed));
}

const NONE_FAILED: ReadonlySet<string> = new Set();

/** The warnings one contract earns on its own, leaving out the rules that read a field in `failed`. */
function lintContract(c: Contract, failed: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!failed.has('owns')) {
    out.push(...lintOwnsPatterns(c));
    if (c.owns.length === 0) out.push(noOwnsWarning(c));
  }
  if (c.acceptance_criteria.length === 0 && !failed.has('acceptance_criteria')) {
    out.push(
      warn(c, 'feature_id', {
        code: 'lint/no-criteria',
        message: `${c.feature_id} has no acceptance criteria: nothing says when it is done`,
        hint: 'Add acceptance_criteria with a `run`, `http` or `files` check each.',
      }),
    );
  }
  if (c.body.includes(TEMPLATE_PLACEHOLDER)) {
    out.push(
      warn(c, 'feature_id', {
        code: 'lint/template-unchanged',
        message: `${c.feature_id} is still the template: its description says "${TEMPLATE_PLACEHOLDER} …"`,
        hint: `Describe the feature under the front matter of ${c.file} (what it does, its edge cases), and check what it provides, owns and how its tests run.`,
      }),
    );
  }
  c.acceptance_criteria.forEach((criterion, i) => {
    const found = lintCriterion(c, criterion, i, !failed.has('serve'));
    if (found) out.push(found);
    out.push(...lintRootedGlobs(c, criterion, i));
  });
  return out;
}

/**
 * Whether an `http` check's URL is the feature's own server (`${PORT}` in it, or a bare path), which
 * nothing serves unless the contract's `serve:` starts it (pure).
 */
export function targetsOwnServer(url: string): boolean {
  return url.includes(PORT) || url.startsWith('/');
}

/**
 * The warning one criterion earns: a placeholder command, vague words, no check to run, or no server to
 * measure (told only when `serveKnown`: a `serve` that did not validate is not a missing one).
 */
function lintCriterion(
  c: Contract,
  criterion: Criterion,
  i: number,
  serveKnown: boolean,
): Diagnostic | undefined {
  const noServe = serveKnown && c.serve === undefined;
  if (criterion.http !== undefined && noServe && targetsOwnServer(criterion.http.url)) {
    return warn(c, `acceptance_criteria.${i}`, {
      code: 'lint/http-without-serve',
      message: `criterion ${criterion.id} measures ${JSON.stringify(criterion.http.url)} on the feature's own port, but ${c.feature_id} has no \`serve:\`: Baton starts nothing there, so no request can be answered`,
      hint: "Add `serve:` with the command that starts the feature's server on $PORT (e.g. `serve: npm start`).",
    });
  }
  if (criterion.run !== undefined && /\bTODO\b/.test(criterion.run)) {
    return warn(c, `acceptance_criteria.${i}`, {
      code: 'lint/placeholder-check',
      message: `criterion ${criterion.id} runs a placeholder: ${criterion.run}`,
      hint: "Write the command that runs this feature's tests (exit 0 = pass), e.g. `pytest -k upload`.",
    });
  }
  const { verdict, words } = judgeCriterion(criterion);
  if (verdict === 'measurable') return undefined;
  const quoted = JSON.stringify(criterion.text);
  if (verdict === 'vague') {
    const list = words.map((w) => `"${w.word}"`).join(', ');
    return warn(c, `acceptance_criteria.${i}`, {
      code: 'lint/vague-criterion',
      message: `criterion ${criterion.id} ${quoted} is vague (${list}): no check to run and no number`,
      hint: `${capitalise(words[0]?.suggestion ?? '')}.`,
    });
  }
  const measure = suggestHttpMeasure(c, criterion);
  const serve = c.serve === undefined ? ' and a `serve:` command that starts the server on $PORT' : '';
  // Promise --fix only where it will write the check (it refuses an anchored item, for one).
  const blocked = fixBlockedBy(c.positions?.[`acceptance_criteria.${i}`]?.source ?? '');
  const byFix = blocked
    ? `\`baton lint --fix\` cannot write it: ${blocked}`
    : '`baton lint --fix` writes the check';
  const unmeasurable = unmeasurableLatency(c, criterion);
  return warn(c, `acceptance_criteria.${i}`, {
    code: 'lint/unverifiable-criterion',
    message: `criterion ${criterion.id} ${quoted} is unverifiable: it has no run, http or files check`,
    hint: measure
      ? `Baton can measure it: give it \`http: ${renderHttpFlow(measure.http)}\`${serve} (${byFix})${uncoveredNote(measure)}.`
      : unmeasurable
        ? `Baton cannot measure it as written: ${unmeasurable}. Reword it with p50, p95 or p99 and a threshold above 0 ms (\`baton lint --fix\` then writes the check), or add \`run: <command>\` (exit 0 = pass) that measures it.`
        : `${capitalise(suggestCheck(criterion.text))}.`,
  });
}

/** The warning for two features owning one path: at whichever contract wrote the glob, else the first one's owns. */
function lintOverlap(byId: ReadonlyMap<string, Contract>, o: OwnershipOverlap): Diagnostic | undefined {
  const a = byId.get(o.a);
  const b = byId.get(o.b);
  if (!a || !b) return undefined;
  const inA = a.owns.indexOf(o.pattern);
  const inB = b.owns.indexOf(o.pattern);
  const [where, index] = inA < 0 && inB >= 0 ? [b, inB] : [a, Math.max(0, inA)];
  const globsA = coveringGlobs(a.owns, o.pattern);
  const globsB = coveringGlobs(b.owns, o.pattern);
  return warn(where, `owns.${index}`, {
    code: 'lint/owns-overlap',
    message: `${o.a} (${globsA}) and ${o.b} (${globsB}) both own ${o.pattern}, and neither depends on the other`,
    hint: `Give ${o.pattern} to one of them, or add ${o.a} to ${o.b}'s depends_on (or the reverse) so they run in order.`,
  });
}

/**
 * Dependencies on features that no folder holds, for when some contracts failed to parse and the plan
 * (which reports these otherwise) cannot be built: lint then shows both kinds of error in one pass (pure).
 */
export function unknownDependencies(
  contracts: readonly Contract[],
  knownIds: ReadonlySet<string>,
): Diagnostic[] {
  const known = [...new Set([...knownIds, ...contracts.map((c) => c.feature_id)])].sort();
  const out: Diagnostic[] = [];
  for (const c of contracts) {
    c.depends_on.features.forEach((dep, i) => {
      if (known.includes(dep)) return;
      out.push({
        ...warn(c, `depends_on.features.${i}`, {
          code: 'plan/unknown-dependency',
          message: `${c.feature_id} depends on "${dep}", which is not a known feature; known ids: ${known.join(', ')}`,
          hint: unknownDependencyHint(c.feature_id, dep, known),
        }),
        severity: 'error',
      });
    });
  }
  return out;
}

/**
 * Why an `owns` pattern can never cover a path of the repository, or undefined (pure): one that leads
 * out of it by the rule a files check's globs share (path-inside.ts), or one of the owns-only problems.
 * A leading `/` is the repository root (`rootedPathWarning` suggests writing it without).
 */
export function ownsPatternProblem(pattern: string): string | undefined {
  const p = rootRelative(pattern.trim());
  const outside = writtenOutside(p);
  if (outside !== undefined) return `leads outside the repository (${outside})`;
  return ownsOnlyProblem(p);
}

/**
 * What only `owns` refuses on top of the shared rule (pure): an owns pattern is matched against the
 * paths git reports, which never hold a `..` segment or a backslash nor lie in `.git/` or `.baton/`;
 * so `src/../x`, inside once normalised and fine for a files check, still never matches.
 */
function ownsOnlyProblem(p: string): string | undefined {
  if (p.includes('\\')) return 'uses backslashes (owns patterns are repository paths with /)';
  if (p.split('/').includes('..')) return 'contains ".." (owns patterns are paths inside the repository)';
  if (/^(\.\/)?\.(git|baton)(\/|$)/.test(p)) return "names git's or Baton's own folder";
  return undefined;
}

/**
 * The warning for a path written from the repository root with a leading `/` (an `owns` pattern or a
 * files check's glob), which Baton reads as the path without it (pure).
 */
function rootedPathWarning(c: Contract, key: string, fallbackKey: string, what: string, path: string) {
  const bare = rootRelative(path.trim());
  return diagnosticAt(
    c,
    key,
    'warning',
    {
      code: 'lint/rooted-path',
      message: `${what} ${JSON.stringify(path)} starts with "/": Baton reads it from the repository root, as ${JSON.stringify(bare)}, not from the file system's root`,
      hint: `Write it without the leading /: ${bare} (paths in a contract are relative to the repository root).`,
    },
    fallbackKey,
  );
}

/** Warnings for a criterion's files globs written with a leading `/` (pure). */
function lintRootedGlobs(c: Contract, criterion: Criterion, i: number): Diagnostic[] {
  return (criterion.files?.exist ?? []).flatMap((glob, j) =>
    glob.trim().startsWith('/')
      ? [
          rootedPathWarning(
            c,
            `acceptance_criteria.${i}.files.exist.${j}`,
            `acceptance_criteria.${i}`,
            `criterion ${criterion.id}'s files glob`,
            glob,
          ),
        ]
      : [],
  );
}

/**
 * The warning for a contract without `owns` (pure): it gets no implicit ownership check, so nothing
 * stops its agent from changing tests, config or another feature's files, and integrate's conflict
 * prediction has nothing to compare.
 */
function noOwnsWarning(c: Contract): Diagnostic {
  return warn(c, 'feature_id', {
    code: 'lint/no-owns',
    message: `${c.feature_id} owns no paths: no scope check runs, so nothing stops its agent from changing tests, config or other features' files`,
    hint: `List the files it may change under \`owns:\` in ${c.file} (e.g. \`owns: ["src/${c.feature_id}/**", "test/${c.feature_id}/**"]\`).`,
  });
}

/** Warnings for `owns` patterns that cannot match any path in the repository, or start with `/` (pure). */
function lintOwnsPatterns(c: Contract): Diagnostic[] {
  return c.owns.flatMap((pattern, i) => {
    const problem = ownsPatternProblem(pattern);
    if (!problem) {
      if (!pattern.trim().startsWith('/')) return [];
      return [rootedPathWarning(c, `owns.${i}`, 'feature_id', 'owns pattern', pattern)];
    }
    return [
      warn(c, `owns.${i}`, {
        code: 'lint/owns-outside',
        message: `owns pattern ${JSON.stringify(pattern)} ${problem}: it can never match a file of the repository`,
        hint: 'Write owned paths relative to the repository root, e.g. src/catalog/** or src/db.ts.',
      }),
    ];
  });
}

function warn(c: Contract, key: string, d: { code: string; message: string; hint: string }): Diagnostic {
  return diagnosticAt(c, key, 'warning', d);
}

/** The globs of one `owns` list that cover a witness path or glob, for the message. */
function coveringGlobs(owns: readonly string[], witness: string): string {
  const hits = owns.filter((g) => g === witness || compileOwns([g])(witness));
  return (hits.length > 0 ? hits : owns).join(', ');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
