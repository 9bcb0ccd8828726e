import { readLatency } from './latency.js';
import type { Contract, Criterion, HttpCheck } from './schema.js';

/** The placeholder contracts write literally in URLs; Baton substitutes the feature's port. */
const PORT = ['$', '{PORT}'].join('');

/** An `http:` check that measures what a prose criterion says, for `lint` to suggest and `lint --fix` to write. */
export interface HttpFix {
  /** Index of the criterion in the contract's `acceptance_criteria`. */
  index: number;
  criterion: Criterion;
  http: HttpCheck;
  /** The check as one line of YAML, ready to paste: `{ url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }`. */
  flow: string;
  /** Whether the contract lacks the `serve` command the check needs to start the server. */
  needsServe: boolean;
  /** The other endpoints the criterion's words name, which the one check does not measure (`GET /b`). */
  uncovered: string[];
}

/** The check for a prose criterion, and the endpoints its words also name that the check leaves out. */
export interface HttpMeasure {
  http: HttpCheck;
  uncovered: string[];
}

const METHOD = /\b(GET|POST|PUT|PATCH|DELETE)\b/;

/**
 * The `http:` check for a criterion without a check whose words name a latency threshold and an endpoint
 * the contract provides ("`GET` requests < 100ms (p95)" with `GET /products` in `provides.api`) (pure).
 */
export function suggestHttpCheck(contract: Contract, criterion: Criterion): HttpCheck | undefined {
  return suggestHttpMeasure(contract, criterion)?.http;
}

/**
 * `suggestHttpCheck`'s check with the endpoints it leaves out: a check requests one URL, so "GET requests
 * < 100ms" over `GET /a` and `GET /b` measures `/a` only, and whoever writes it in must be told. None when
 * the words ask for latency no check holds ({@link unmeasurableLatency} says why) (pure).
 */
export function suggestHttpMeasure(contract: Contract, criterion: Criterion): HttpMeasure | undefined {
  const target = latencyTarget(contract, criterion);
  if (!target?.latency.ok) return undefined;
  const { latency, chosen, candidates } = target;
  const path = chosen.path.replace(/\{[^}]*\}/g, '1');
  const http = {
    url: `http://127.0.0.1:${PORT}${path}`,
    ...(chosen.method !== 'GET' ? { method: chosen.method } : {}),
    [`p${latency.percentile}_ms`]: latency.ms,
  } as HttpCheck;
  const uncovered = candidates.filter((e) => e !== chosen).map((e) => `${e.method} ${e.path}`);
  return { http, uncovered };
}

/**
 * Why no `http:` check can measure the latency an unverifiable criterion asks of an endpoint the contract
 * provides ("p90 < 200 ms", "an average below 80 ms", "< 0 ms"), or undefined when one can, or when the
 * words name no threshold or no such endpoint (pure).
 */
export function unmeasurableLatency(contract: Contract, criterion: Criterion): string | undefined {
  const latency = latencyTarget(contract, criterion)?.latency;
  return latency && !latency.ok ? latency.reason : undefined;
}

interface Endpoint {
  method: string;
  path: string;
}

/**
 * What an unverifiable criterion's words ask of latency and the provided endpoint they name (a path
 * without parameters preferred), with every endpoint they name; undefined without a threshold or one.
 */
function latencyTarget(contract: Contract, criterion: Criterion) {
  if (criterion.kind !== 'unverifiable') return undefined;
  const text = criterion.text.replace(/`/g, '');
  const latency = readLatency(text);
  if (!latency) return undefined;
  const method = METHOD.exec(text)?.[1];
  const named = /(?:^|\s)(\/[\w\-./{}]*)/.exec(text)?.[1];
  const endpoints = (contract.provides.api ?? []).flatMap((e): Endpoint[] => {
    const m = /^\s*(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(\/\S*)/i.exec(e.replace(/`/g, ''));
    return m ? [{ method: (m[1] ?? '').toUpperCase(), path: m[2] ?? '/' }] : [];
  });
  const candidates = endpoints.filter(
    (e) => (method === undefined || e.method === method) && (named === undefined || e.path === named),
  );
  // A path without parameters can be requested as it is; prefer it.
  const chosen = candidates.find((e) => !e.path.includes('{')) ?? candidates[0];
  return chosen ? { latency, chosen, candidates } : undefined;
}

/** The words that say which endpoints a check leaves out, or '' when it measures every one named (pure). */
export function uncoveredNote(measure: Pick<HttpMeasure, 'uncovered'>): string {
  const n = measure.uncovered.length;
  if (n === 0) return '';
  return `; it measures one endpoint: ${measure.uncovered.join(', ')} ${n === 1 ? 'is' : 'are'} not covered (a criterion per endpoint measures ${n === 1 ? 'it' : 'them'})`;
}

/** An http check as a one-line YAML flow mapping. */
export function renderHttpFlow(http: HttpCheck): string {
  const parts = Object.entries(http).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`,
  );
  return `{ ${parts.join(', ')} }`;
}

/** Every prose criterion of a contract that an `http:` check can measure, with that check (pure). */
export function httpFixes(contract: Contract): HttpFix[] {
  return contract.acceptance_criteria.flatMap((criterion, index) => {
    const measure = suggestHttpMeasure(contract, criterion);
    if (!measure) return [];
    const { http, uncovered } = measure;
    return [
      {
        index,
        criterion,
        http,
        flow: renderHttpFlow(http),
        needsServe: contract.serve === undefined,
        uncovered,
      },
    ];
  });
}

/** The contract's text with a fix written in, or why it could not be written safely. */
export type HttpFixEdit = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The contract's text with the fix written in: in the front matter the criterion becomes a mapping with
 * `http:` (a trailing comment and every other field kept); in the heading form a trailing `` `http: …` ``
 * span is added to its line. Line ends (LF or CRLF) are kept. Fails, saying why, when the criterion is not
 * written in a shape this can edit safely (pure).
 */
export function applyHttpFix(text: string, contract: Contract, fix: HttpFix): HttpFixEdit {
  const line = contract.positions?.[`acceptance_criteria.${fix.index}`]?.line;
  if (line === undefined) return cannot('its line in the file is not known');
  const lines = text.split('\n');
  const at = line - 1;
  const raw = lines[at];
  if (raw === undefined) return cannot('its line in the file is not known');
  // Keep a CRLF file CRLF: the edited and the added lines end as the criterion's line did.
  const cr = raw.endsWith('\r') ? '\r' : '';
  const current = cr ? raw.slice(0, -1) : raw;
  const edited = text.replace(/^\uFEFF/, '').startsWith('---')
    ? editFrontMatter(lines, at, current, fix)
    : editHeadingForm(lines, at, current, fix);
  if (!edited.ok) return edited;
  lines.splice(at, edited.replaced, ...edited.lines.map((l) => `${l}${cr}`));
  return { ok: true, text: lines.join('\n') };
}

/** The lines that replace the criterion's first `replaced` lines (without their line ends), or why not. */
type LinesEdit = { ok: true; replaced: number; lines: string[] } | { ok: false; reason: string };

function cannot(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function indentOf(s: string): number {
  return /^\s*/.exec(s)?.[0].length ?? 0;
}

/** Whether the criterion goes on past its first line (a wrapped bullet or a multi-line scalar). */
function continuesAfter(lines: readonly string[], at: number, current: string): boolean {
  const next = (lines[at + 1] ?? '').replace(/\r$/, '');
  return next.trim() !== '' && indentOf(next) > indentOf(current) && !/^\s*[-*+]\s/.test(next);
}

const ANCHORED = 'it uses a YAML anchor, alias or tag, which an edit could break';
const OPEN_FLOW = 'its flow mapping `{ … }` does not end on its first line';

/**
 * Why `lint --fix` cannot write a check into the front-matter criterion whose first line is `source`, as
 * far as that line tells (an anchor, alias or tag on the item; a flow mapping that goes on past it), or
 * undefined; `lint`'s hint asks it too, so the hint promises only what --fix does (pure).
 */
export function fixBlockedBy(source: string): string | undefined {
  const item = /^\s*-\s+(.*)$/.exec(source.replace(/\r$/, ''));
  if (!item) return undefined;
  const { body } = splitComment(item[1] ?? '');
  if (/^[&*!]/.test(body)) return ANCHORED;
  if (body.startsWith('{') && !body.endsWith('}')) return OPEN_FLOW;
  return undefined;
}

/** The criterion's line (and any line added after it) with `http:` written into its YAML item. */
function editFrontMatter(lines: readonly string[], at: number, current: string, fix: HttpFix): LinesEdit {
  const item = /^(\s*-\s+)(.*)$/.exec(current);
  // A mapping whose item starts on the line above (`-` alone, or `- &anchor`): the criterion's line is its first key.
  const opener = (lines[at - 1] ?? '').replace(/\r$/, '');
  if (!item && /^\s*-(\s+&\S+)?\s*$/.test(opener) && /^\s*[\w-]+:(\s|$)/.test(current)) {
    return appendToMapping(lines, at, current, indentOf(current), fix);
  }
  if (!item) return cannot('it is not written as a `- ` list item on its own line');
  const dash = item[1] ?? '';
  const { body, tail } = splitComment(item[2] ?? '');
  const blocked = fixBlockedBy(current);
  if (blocked) return cannot(blocked);
  if (body.startsWith('{')) {
    const inside = body.slice(0, -1).trimEnd();
    const comma = inside === '{' ? ' ' : ', ';
    return { ok: true, replaced: 1, lines: [`${dash}${inside}${comma}http: ${fix.flow} }${tail}`] };
  }
  if (/^[\w-]+:(\s|$)/.test(body)) return appendToMapping(lines, at, current, dash.length, fix);
  if (continuesAfter(lines, at, current)) return cannot('its text goes on over several lines');
  const c = fix.criterion;
  return {
    ok: true,
    replaced: 1,
    lines: [`${dash}{ id: ${c.id}, text: ${JSON.stringify(c.text)}, http: ${fix.flow} }${tail}`],
  };
}

/** A block mapping's lines from `at` with `http:` added after its last line, so a multi-line value above stays whole. */
function appendToMapping(
  lines: readonly string[],
  at: number,
  current: string,
  keyIndent: number,
  fix: HttpFix,
): LinesEdit {
  let last = at;
  for (let i = at + 1; i < lines.length; i++) {
    const l = (lines[i] ?? '').replace(/\r$/, '');
    if (l.trim() === '') continue;
    if (indentOf(l) < keyIndent || l.trim() === '---') break;
    last = i;
  }
  const between = lines.slice(at + 1, last + 1).map((l) => l.replace(/\r$/, ''));
  return {
    ok: true,
    replaced: last - at + 1,
    lines: [current, ...between, `${' '.repeat(keyIndent)}http: ${fix.flow}`],
  };
}

/** The criterion's bullet line with a trailing `` `http: …` `` span. */
function editHeadingForm(lines: readonly string[], at: number, current: string, fix: HttpFix): LinesEdit {
  if (continuesAfter(lines, at, current)) return cannot('its text goes on over several lines');
  return { ok: true, replaced: 1, lines: [`${current.trimEnd()} \`http: ${fix.flow}\``] };
}

/**
 * A YAML line's value apart from its trailing `# comment` (with the spaces before it): a `#` after a space,
 * outside quotes, starts a comment. A quote opens a quoted scalar only where one can begin (line start,
 * after a space, `{`, `[`, `,`), so the apostrophe in a plain `it's` is text.
 */
function splitComment(value: string): { body: string; tail: string } {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const prev = i === 0 ? ' ' : (value[i - 1] ?? ' ');
    if (quote === '"') {
      if (ch === '\\') i++;
      else if (ch === '"') quote = undefined;
    } else if (quote === "'") {
      if (ch === "'" && value[i + 1] === "'") i++;
      else if (ch === "'") quote = undefined;
    } else if ((ch === '"' || ch === "'") && /[\s{[,:]/.test(prev)) {
      quote = ch;
    } else if (ch === '#' && /\s/.test(prev)) {
      const body = value.slice(0, i).trimEnd();
      return { body, tail: value.slice(body.length) };
    }
  }
  const body = value.trimEnd();
  return { body, tail: '' };
}

/**
 * The fields a fixed criterion lost or changed compared with the criterion before the fix (any but its
 * `kind` and the `http:` the fix adds); none when it kept them all (pure).
 */
export function changedFields(before: Criterion, after: Criterion): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const value = (c: Criterion, k: string) => JSON.stringify((c as unknown as Record<string, unknown>)[k]);
  return [...keys].filter((k) => k !== 'kind' && k !== 'http' && value(before, k) !== value(after, k));
}
