import type { Diagnostic, Result } from '../errors.js';
import { errorMessage } from '../text/error-message.js';
import { yaml } from '../text/yaml.js';
import { duplicateKeyOf } from '../text/yaml-duplicate.js';
import { offsetAlong, scalarSourceAlong } from '../text/yaml-locate.js';
import { agentNameErrors } from './agent-names.js';
import { buildContract } from './build.js';
import { type At, type Locate, readCriteria } from './criteria-read.js';
import { findEmptyChecks } from './empty-check.js';
import { isHeadingForm, readHeadingForm, type Spot } from './heading-form.js';
import { describe, describeIssue, type Emit, formatPath, type Path } from './issues.js';
import { type SalvagedContract, salvageContract, type ValidParts, validParts } from './salvage.js';
import { CONTRACT_FIELDS, type Contract, ContractSchema } from './schema.js';
import { closestName } from './suggest.js';
import { withoutUnknownFields } from './unknown-fields.js';
import { openedAt } from './yaml-opened.js';

/** What the parser may know beyond the text: the other features' ids, to classify heading-form dependencies. */
export interface ParseContractOptions {
  knownIds?: ReadonlySet<string>;
}

/** Raw fields read from either form, before validation, and how to find where each was written. */
interface RawContract {
  data: unknown;
  locate: Locate;
  /** The scalar at a path as written, in the front matter (the heading form's values are all text). */
  written?: (path: Path) => string | undefined;
  body: string;
  warnings: Diagnostic[];
}

/**
 * A contract parsed, or its errors; when its fields could be read, with what validated of it for lint's
 * rules on those parts (a failure is never cached, so this is never stored).
 */
export type ContractParse =
  | Extract<Result<Contract>, { ok: true }>
  | { ok: false; errors: Diagnostic[]; salvaged?: SalvagedContract };

/** Parses one contract file's text (YAML front matter or the heading form) into a normalised `Contract` (pure). */
export function parseContract(text: string, file: string, options: ParseContractOptions = {}): ContractParse {
  const clean = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = clean.split(/\r?\n/);
  const at: At = (code, message, spot, hint) => located('error', code, message, file, lines, spot, hint);

  const read = readRaw(clean, lines, file, options);
  if (!read.ok) return read;
  const raw = read.value;
  if (typeof raw.data !== 'object' || raw.data === null || Array.isArray(raw.data)) {
    const message = `the front matter must be a mapping of fields (feature_id: …), got ${describe(raw.data)}`;
    return { ok: false, errors: [at('contract/invalid', message, { line: 2, column: 1 })] };
  }
  const { known, warnings } = knownFields(raw.data, raw, file, lines);
  const emit: Emit = (code, msg, path, hint) => at(code, msg, raw.locate(path), hint);
  const empty = findEmptyChecks(known.acceptance_criteria, emit);
  // The other rules read the criteria less their empty checks: each is told once, and hides no other error.
  const checked = empty.errors.length > 0 ? { ...known, acceptance_criteria: empty.criteria } : known;

  // A contract refused, with what lint can still read of it (made only then: parsing stays one pass).
  const salvage = (errors: Diagnostic[], parts = validParts(checked)): ContractParse => {
    const source = { body: raw.body, file, locate: raw.locate, lines };
    const emptied = emptiedCriteria(known.acceptance_criteria, checked.acceptance_criteria);
    return { ok: false, errors, salvaged: salvageContract(parts, source, emptied) };
  };
  const parsed = ContractSchema.safeParse(checked);
  if (!parsed.success) {
    const context = { data: checked, emit, ...(raw.written ? { written: raw.written } : {}) };
    const errors = parsed.error.issues.flatMap((issue) => describeIssue(issue, [], context));
    // An issue on the contract as a whole: no field can be trusted.
    if (parsed.error.issues.some((i) => i.path.length === 0))
      return { ok: false, errors: [...empty.errors, ...errors, ...warnings] };
    const parts = validParts(checked);
    const others = checksBeside(parts, raw.locate, at);
    // The warnings too: an unknown field is often the reason for the error (`own:` for `owns:`).
    return salvage([...empty.errors, ...errors, ...others, ...warnings], parts);
  }
  const input = parsed.data;
  const criteria = readCriteria(input.acceptance_criteria ?? [], raw.locate, at);
  const agents = agentNameErrors(input.feature_id, input, emit);
  if (empty.errors.length > 0 || !criteria.ok || agents.length > 0) {
    const read = criteria.ok ? [] : criteria.errors;
    return salvage([...empty.errors, ...read, ...agents, ...warnings]);
  }
  const placed = criteria.value.map((criterion, index) => ({ index, criterion }));
  const contract = buildContract(input, placed, { body: raw.body, file, locate: raw.locate, lines });
  return { ok: true, value: contract, warnings };
}

/**
 * The fields a contract's text writes, before any validation (pure): its YAML front matter read by the
 * YAML parser `parseContract` uses, or its heading form's fields; undefined when it has neither form, or
 * its front matter does not parse or is not a mapping. For a reader that asks only what is written
 * (`feature_id: "003"  # note` is the string 003, `feature_id: 003` the number 3, as lint reads them).
 */
export function writtenFields(text: string): Record<string, unknown> | undefined {
  const clean = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const read = readRaw(clean, clean.split(/\r?\n/), '', {});
  if (!read.ok) return undefined;
  const { data } = read.value;
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/** The indices of the criteria an empty check was taken out of (the one object `findEmptyChecks` replaced). */
function emptiedCriteria(written: unknown, checked: unknown): Set<number> {
  if (!Array.isArray(written) || !Array.isArray(checked) || written === checked) return new Set();
  return new Set(written.flatMap((c: unknown, i) => (checked[i] === c ? [] : [i])));
}

/**
 * The checks after the schema (criteria, agent names) on the parts the schema did accept while others
 * failed, so one pass shows every error: a check is left out when a field it reads is among the failed,
 * and a criterion the schema refused is left out of the criteria's checks (the others are checked).
 */
function checksBeside(parts: ValidParts, locate: Locate, at: At): Diagnostic[] {
  const out: Diagnostic[] = [];
  const read = readCriteria(parts.criteria, locate, at);
  if (!read.ok) out.push(...read.errors);
  const { feature_id: id, agent, attempts } = parts.fields;
  if (id !== undefined) {
    const emit: Emit = (code, msg, path, hint) => at(code, msg, locate(path), hint);
    out.push(...agentNameErrors(id, { agent, attempts }, emit));
  }
  return out;
}

/** The raw fields of either form, or why the file is neither. */
function readRaw(
  clean: string,
  lines: readonly string[],
  file: string,
  options: ParseContractOptions,
): Result<RawContract> {
  if ((lines[0] ?? '').trim() === '---') return readFrontMatter(lines, file);
  if (isHeadingForm(clean)) {
    const form = readHeadingForm(clean, options.knownIds);
    const warnings = form.unknown.map((u) =>
      located(
        'warning',
        'contract/unknown-field',
        `unknown field heading "## ${u.heading}" (did you mean "${u.suggestion}"?)`,
        file,
        lines,
        u.spot,
        `Known field headings: ${CONTRACT_FIELDS.join(', ')}.`,
      ),
    );
    if (form.duplicates.length > 0) {
      const errors = form.duplicates.map((d) => duplicateField(d.field, d.first, d.spot, file, lines));
      return { ok: false, errors: [...errors, ...warnings] };
    }
    const value = { data: form.data, locate: locateBySpots(form.spots), body: clean, warnings };
    return { ok: true, value, warnings: [] };
  }
  const error = located(
    'error',
    'contract/missing-field',
    'missing required field "feature_id": the file has neither YAML front matter nor a "## feature_id" heading',
    file,
    lines,
    { line: 1, column: 1 },
    'Start the file with front matter (---, feature_id: <id>, ---) or add a "## feature_id" heading with the id under it.',
  );
  return { ok: false, errors: [error] };
}

/**
 * The fields this version knows, at every depth; each unknown one is a warning naming the closest known
 * field there, so a newer contract still runs on an older Baton.
 */
function knownFields(
  data: object,
  raw: RawContract,
  file: string,
  lines: readonly string[],
): { known: Record<string, unknown>; warnings: Diagnostic[] } {
  const { known, unknown } = withoutUnknownFields(data as Record<string, unknown>);
  const warnings = [...raw.warnings];
  for (const { at, key, known: here } of unknown) {
    const suggestion = closestName(key, here);
    const where = at.length > 0 ? `${formatPath(at)}: ` : '';
    warnings.push(
      located(
        'warning',
        'contract/unknown-field',
        `${where}unknown field "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; it is ignored`,
        file,
        lines,
        raw.locate([...at, key]),
        suggestion
          ? `Rename it to "${suggestion}".`
          : `Known fields${at.length > 0 ? ' here' : ''}: ${here.join(', ')}.`,
      ),
    );
  }
  return { known, warnings };
}

/** Splits the `---` front matter from the body and parses it as YAML, keeping node positions. */
function readFrontMatter(lines: readonly string[], file: string): Result<RawContract> {
  const invalid = (message: string, spot: Spot, hint?: string): Diagnostic =>
    located('error', 'contract/invalid-yaml', message, file, lines, spot, hint);
  const close = lines.findIndex((l, i) => i > 0 && (l.trimEnd() === '---' || l.trimEnd() === '...'));
  if (close < 0) {
    const message = 'the front matter opened on line 1 is never closed by a "---" line';
    return {
      ok: false,
      errors: [invalid(message, { line: 1, column: 1 }, 'Add a line with just --- after the last field.')],
    };
  }
  const yamlText = lines.slice(1, close).join('\n');
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  // Merge keys (`- <<: *unit`) are read, as YAML 1.1 tools and editors do: a criterion may reuse another's fields.
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  // The front matter starts on the file's second line.
  const toSpot = (offset: number): Spot => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + 1, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const taken = new Set<number>();
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const twice = duplicateKeyOf(doc, e);
        if (twice)
          return duplicateField(
            formatPath(twice.path),
            toSpot(twice.first),
            toSpot(twice.again),
            file,
            lines,
          );
        return invalid(
          `the front matter is not valid YAML: ${e.message.split('\n')[0] ?? e.message}`,
          toSpot(openedAt(doc, yamlText, e, taken) ?? e.pos[0]),
          'Check indentation, and quote values containing ": " or starting with a special character.',
        );
      }),
    };
  }
  const locate: Locate = (path) => toSpot(offsetAlong(doc, path).offset);
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (err) {
    const message = `the front matter is not valid YAML: ${errorMessage(err)}`;
    return { ok: false, errors: [invalid(message, { line: 2, column: 1 })] };
  }
  return {
    ok: true,
    value: {
      data,
      locate,
      written: (path) => scalarSourceAlong(doc, path),
      body: lines.slice(close + 1).join('\n'),
      warnings: [],
    },
    warnings: [],
  };
}

/** The error for a field written twice (in the front matter, or as two headings), located at the second. */
function duplicateField(
  field: string,
  first: Spot,
  again: Spot,
  file: string,
  lines: readonly string[],
): Diagnostic {
  return located(
    'error',
    'contract/duplicate-field',
    `field "${field}" is written twice (first on line ${first.line}); one would be lost`,
    file,
    lines,
    again,
    `Keep one "${field}" and move what the other says into it.`,
  );
}

/** A locator over dotted-path spots: the deepest recorded prefix of the path. */
function locateBySpots(spots: ReadonlyMap<string, Spot>): Locate {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const spot = spots.get(path.slice(0, n).map(String).join('.'));
      if (spot) return spot;
    }
    return { line: 1, column: 1 };
  };
}

function located(
  severity: Diagnostic['severity'],
  code: string,
  message: string,
  file: string,
  lines: readonly string[],
  spot: Spot | undefined,
  hint?: string,
): Diagnostic {
  return {
    severity,
    code,
    message,
    location: spot ? { file, line: spot.line, column: spot.column } : { file },
    ...(spot && lines[spot.line - 1] !== undefined ? { source: lines[spot.line - 1] } : {}),
    ...(hint ? { hint } : {}),
  };
}
