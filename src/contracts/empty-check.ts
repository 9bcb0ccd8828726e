/**
 * The one rule for a check that checks nothing (`contract/empty-check`): a blank command, an http check
 * with no URL, a files check with no glob and no ownership test, a blank glob. Such a check would pass
 * (a blank command exits 0, an empty files check has nothing to miss) or fail at run time for a reason
 * the contract does not show, so it is refused where it is written. Read on the fields as written,
 * before the schema, so `run:` with no value and `run: ""` are told the same way as `run: " "` (pure).
 */
import type { Diagnostic } from '../errors.js';
import { criterionId } from './criteria-read.js';
import { type Emit, formatPath, type Path } from './issues.js';

/** One check that checks nothing: where it is written, what is missing, what to write instead. */
interface EmptyCheck {
  path: Path;
  what: string;
  hint: string;
  /** Whether the check as a whole checks nothing (not just one blank glob of its list). */
  whole: boolean;
}

/** The empty checks of a contract's criteria, and the criteria as written less those checks. */
export interface EmptyChecks {
  errors: Diagnostic[];
  /**
   * The criteria without the checks that check nothing, for the other rules (the schema's among them)
   * to read: an empty check is told once, and hides no other error of the contract.
   */
  criteria: unknown;
}

const RUN_HINT =
  'Write the command that proves the criterion (exit 0 = pass), e.g. `run: npm test -- catalog`, or drop `run:` to leave the criterion unverifiable.';
const HTTP_HINT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
  'Give it the URL to measure, e.g. `http: { url: "http://127.0.0.1:${PORT}/health", p95_ms: 100 }`.';
const FILES_HINT =
  'List the files that must exist, e.g. `files: { exist: ["src/catalog/index.ts"] }`, or set `untouched_outside_owns: true`.';

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The checks of one criterion, as written at `at`, that check nothing. */
function emptyChecksOf(c: Record<string, unknown>, at: Path): EmptyCheck[] {
  const out: EmptyCheck[] = [];
  if ('run' in c && isBlank(c.run)) {
    const what = 'has an empty command: it would pass without running anything';
    out.push({ path: [...at, 'run'], what, hint: RUN_HINT, whole: true });
  }
  if ('http' in c) {
    const what = 'has an http check with no URL: there is nothing to measure';
    const noUrl = { what, hint: HTTP_HINT, whole: true };
    if (!isMapping(c.http)) {
      if (isBlank(c.http)) out.push({ path: [...at, 'http'], ...noUrl });
    } else if (isBlank(c.http.url)) out.push({ path: [...at, 'http', 'url'], ...noUrl });
  }
  if ('files' in c) out.push(...emptyFilesChecks(c.files, [...at, 'files']));
  return out;
}

/** A files check with no glob to find and no ownership to test, or a blank glob in its list. */
function emptyFilesChecks(files: unknown, at: Path): EmptyCheck[] {
  const nothing: EmptyCheck = {
    path: at,
    what: 'has a files check that checks nothing: no `exist` glob and no `untouched_outside_owns: true`, so it would pass on any tree',
    hint: FILES_HINT,
    whole: true,
  };
  if (!isMapping(files)) return isBlank(files) ? [nothing] : [];
  const { exist, untouched_outside_owns: untouched } = files;
  const noGlobs = isBlank(exist) || (Array.isArray(exist) && exist.length === 0);
  if (noGlobs && (isBlank(untouched) || untouched === false)) return [nothing];
  if (!Array.isArray(exist)) return [];
  const what = 'lists an empty glob: it names no file';
  return exist.flatMap((glob, j) =>
    isBlank(glob) ? [{ path: [...at, 'exist', j], what, hint: FILES_HINT, whole: false }] : [],
  );
}

/** The diagnostics for the criteria, as written, whose check checks nothing, and the criteria less those checks (pure). */
export function findEmptyChecks(criteria: unknown, emit: Emit): EmptyChecks {
  if (!Array.isArray(criteria)) return { errors: [], criteria };
  const errors: Diagnostic[] = [];
  const rest = criteria.map((c: unknown, i) => {
    if (!isMapping(c)) return c;
    const found = emptyChecksOf(c, ['acceptance_criteria', i]);
    for (const e of found) {
      const message = `${formatPath(e.path)}: criterion "${criterionId(c.id, i)}" ${e.what}`;
      errors.push(emit('contract/empty-check', message, e.path, e.hint));
    }
    const dropped = new Set(found.filter((e) => e.whole).map((e) => e.path[2]));
    return dropped.size > 0 ? Object.fromEntries(Object.entries(c).filter(([k]) => !dropped.has(k))) : c;
  });
  return { errors, criteria: errors.length > 0 ? rest : criteria };
}
