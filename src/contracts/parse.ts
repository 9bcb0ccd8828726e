import type { Node } from 'yaml';
import type { Diagnostic, Result } from '../errors.js';
import { yaml } from '../text/yaml.js';
import { duplicateKeyOf } from '../text/yaml-duplicate.js';
import type { z } from '../zod.js';
import { agentNameErrors } from './agent-names.js';
import { type At, type Locate, readCriteria } from './criteria-read.js';
import { findEmptyChecks } from './empty-check.js';
import { isHeadingForm, readHeadingForm, type Spot } from './heading-form.js';
import { describe, describeIssue, type Emit, formatPath, type Path } from './issues.js';
import { CONTRACT_FIELDS, type Contract, ContractSchema, type SourcePosition } from './schema.js';
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
  body: string;
  warnings: Diagnostic[];
}

/** Parses one contract file's text (YAML front matter or the heading form) into a normalised `Contract` (pure). */
export function parseContract(
  text: string,
  file: string,
  options: ParseContractOptions = {},
): Result<Contract> {
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

  const parsed = ContractSchema.safeParse(checked);
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((issue) => describeIssue(issue, [], checked, emit));
    const others = checksBeside(parsed.error.issues, checked, raw.locate, at);
    // The warnings too: an unknown field is often the reason for the error (`own:` for `owns:`).
    return { ok: false, errors: [...empty.errors, ...errors, ...others, ...warnings] };
  }
  const input = parsed.data;
  const criteria = readCriteria(input.acceptance_criteria ?? [], raw.locate, at);
  const agents = agentNameErrors(input.feature_id, input, emit);
  if (empty.errors.length > 0 || !criteria.ok || agents.length > 0) {
    const read = criteria.ok ? [] : criteria.errors;
    return { ok: false, errors: [...empty.errors, ...read, ...agents, ...warnings] };
  }

  const dependsOn = Array.isArray(input.depends_on)
    ? { features: [...input.depends_on], services: [] }
    : {
        features: [...(input.depends_on?.features ?? [])],
        services: [...(input.depends_on?.services ?? [])],
      };
  const contract: Contract = {
    feature_id: input.feature_id,
    title: input.title?.trim() || input.feature_id,
    provides: normaliseProvides(input.provides),
    owns: [...(input.owns ?? [])],
    ...(input.owns_policy !== undefined ? { owns_policy: input.owns_policy } : {}),
    depends_on: dependsOn,
    acceptance_criteria: criteria.value,
    ...(input.serve !== undefined ? { serve: input.serve } : {}),
    ...(input.estimate_minutes !== undefined ? { estimate_minutes: input.estimate_minutes } : {}),
    ...(input.agent !== undefined ? { agent: input.agent } : {}),
    ...(input.timeout_minutes !== undefined ? { timeout_minutes: input.timeout_minutes } : {}),
    ...(input.retries !== undefined ? { retries: input.retries } : {}),
    ...(input.interactive !== undefined ? { interactive: input.interactive } : {}),
    ...(input.attempts !== undefined ? { attempts: input.attempts } : {}),
    ...(input.select !== undefined ? { select: input.select } : {}),
    body: raw.body,
    file,
    positions: positionsOf(input, criteria.value.length, raw.locate, lines),
  };
  return { ok: true, value: contract, warnings };
}

/**
 * The checks after the schema (criteria, agent names) on the fields the schema did accept while others
 * failed, so one pass shows every error: a check is left out when a field it reads is among the failed.
 */
function checksBeside(
  issues: readonly { path: readonly PropertyKey[] }[],
  known: Record<string, unknown>,
  locate: Locate,
  at: At,
): Diagnostic[] {
  const failed = new Set(issues.map((i) => i.path[0]));
  // An issue on the contract as a whole: no field can be trusted.
  if (failed.has(undefined)) return [];
  const field = <K extends 'feature_id' | 'acceptance_criteria' | 'agent' | 'attempts'>(key: K) => {
    if (failed.has(key)) return { ok: false as const };
    const r = ContractSchema.shape[key].safeParse(known[key]);
    return r.success ? { ok: true as const, value: r.data as ContractInput[K] } : { ok: false as const };
  };
  const out: Diagnostic[] = [];
  const criteria = field('acceptance_criteria');
  if (criteria.ok) {
    const read = readCriteria(criteria.value ?? [], locate, at);
    if (!read.ok) out.push(...read.errors);
  }
  const id = field('feature_id');
  const agent = field('agent');
  const attempts = field('attempts');
  if (id.ok) {
    const emit: Emit = (code, msg, path, hint) => at(code, msg, locate(path), hint);
    const fields = {
      agent: agent.ok ? agent.value : undefined,
      attempts: attempts.ok ? attempts.value : undefined,
    };
    out.push(...agentNameErrors(id.value, fields, emit));
  }
  return out;
}
type ContractInput = z.output<typeof ContractSchema>;

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

/** Where the fields that later diagnostics point at were written (ids, dependencies, owns, criteria). */
function positionsOf(
  input: ContractInput,
  criteriaCount: number,
  locate: Locate,
  lines: readonly string[],
): Record<string, SourcePosition> {
  const positions: Record<string, SourcePosition> = {};
  const remember = (key: string, path: Path) => {
    const spot = locate(path);
    if (spot) positions[key] = { ...spot, source: lines[spot.line - 1] ?? '' };
  };
  remember('feature_id', ['feature_id']);
  remember('depends_on', ['depends_on']);
  const listed = Array.isArray(input.depends_on);
  const features = Array.isArray(input.depends_on) ? input.depends_on : (input.depends_on?.features ?? []);
  for (let i = 0; i < features.length; i++)
    remember(`depends_on.features.${i}`, listed ? ['depends_on', i] : ['depends_on', 'features', i]);
  (input.owns ?? []).forEach((_, i) => {
    remember(`owns.${i}`, ['owns', i]);
  });
  for (let i = 0; i < criteriaCount; i++) remember(`acceptance_criteria.${i}`, ['acceptance_criteria', i]);
  // The globs lint warns about (a leading `/`, see lint.ts), at their own line.
  (input.acceptance_criteria ?? []).forEach((c, i) => {
    if (typeof c === 'string') return;
    (c.files?.exist ?? []).forEach((glob, j) => {
      if (glob.trim().startsWith('/'))
        remember(`acceptance_criteria.${i}.files.exist.${j}`, [
          'acceptance_criteria',
          i,
          'files',
          'exist',
          j,
        ]);
    });
  });
  return positions;
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
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
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
  const locate: Locate = (path) => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const segment of path) {
      if (yaml().isMap(node)) {
        const pair = node.items.find((p) => (yaml().isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (yaml().isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return toSpot(offset);
  };
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (err) {
    const message = `the front matter is not valid YAML: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, errors: [invalid(message, { line: 2, column: 1 })] };
  }
  return {
    ok: true,
    value: { data, locate, body: lines.slice(close + 1).join('\n'), warnings: [] },
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

function normaliseProvides(
  provides: Record<string, string | string[]> | string[] | undefined,
): Record<string, string[]> {
  if (provides === undefined) return {};
  if (Array.isArray(provides)) return provides.length > 0 ? { other: [...provides] } : {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(provides))
    out[key.toLowerCase()] = Array.isArray(value) ? [...value] : [value];
  return out;
}
