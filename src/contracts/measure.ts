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
}

const THRESHOLD =
  /(?:<=?|≤|under|below|within|in less than|at most)\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b/i;
const PERCENTILE = /\b(?:p|percentile\s*)(50|95|99)\b/i;
const METHOD = /\b(GET|POST|PUT|PATCH|DELETE)\b/;

/**
 * The `http:` check for a criterion without a check whose words name a latency threshold and an endpoint
 * the contract provides ("`GET` requests < 100ms (p95)" with `GET /products` in `provides.api`) (pure).
 */
export function suggestHttpCheck(contract: Contract, criterion: Criterion): HttpCheck | undefined {
  if (criterion.kind !== 'unverifiable') return undefined;
  const text = criterion.text.replace(/`/g, '');
  const threshold = THRESHOLD.exec(text);
  if (!threshold) return undefined;
  const ms = Number(threshold[1]) * (/^s|^sec/i.test(threshold[2] ?? '') ? 1000 : 1);
  const percentile = PERCENTILE.exec(text)?.[1] ?? '95';
  const method = METHOD.exec(text)?.[1];
  const named = /(?:^|\s)(\/[\w\-./{}]*)/.exec(text)?.[1];
  const endpoints = (contract.provides.api ?? []).flatMap((e) => {
    const m = /^\s*(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(\/\S*)/i.exec(e.replace(/`/g, ''));
    return m ? [{ method: (m[1] ?? '').toUpperCase(), path: m[2] ?? '/' }] : [];
  });
  const candidates = endpoints.filter(
    (e) => (method === undefined || e.method === method) && (named === undefined || e.path === named),
  );
  // A path without parameters can be requested as it is; prefer it.
  const chosen = candidates.find((e) => !e.path.includes('{')) ?? candidates[0];
  if (!chosen) return undefined;
  const path = chosen.path.replace(/\{[^}]*\}/g, '1');
  return {
    url: `http://127.0.0.1:${PORT}${path}`,
    ...(chosen.method !== 'GET' ? { method: chosen.method } : {}),
    [`p${percentile}_ms`]: ms,
  } as HttpCheck;
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
    const http = suggestHttpCheck(contract, criterion);
    if (!http) return [];
    return [{ index, criterion, http, flow: renderHttpFlow(http), needsServe: contract.serve === undefined }];
  });
}

/**
 * The contract's text with the fix written in: in the front matter the criterion becomes a mapping with
 * `http:`; in the heading form a trailing `` `http: …` `` span is added to its line. Undefined when the
 * criterion is not written in a shape this can edit safely (pure).
 */
export function applyHttpFix(text: string, contract: Contract, fix: HttpFix): string | undefined {
  const line = contract.positions?.[`acceptance_criteria.${fix.index}`]?.line;
  if (line === undefined) return undefined;
  const lines = text.split('\n');
  const at = line - 1;
  const current = lines[at];
  if (current === undefined) return undefined;
  const next = lines[at + 1] ?? '';
  const indentOf = (s: string) => /^\s*/.exec(s)?.[0].length ?? 0;
  const continues = next.trim() !== '' && indentOf(next) > indentOf(current) && !/^\s*[-*+]\s/.test(next);
  if (text.startsWith('---')) {
    const item = /^(\s*-\s+)(.*)$/.exec(current);
    if (!item) return undefined;
    const rest = item[2] ?? '';
    if (rest.startsWith('{') && rest.trimEnd().endsWith('}')) {
      lines[at] = `${current.trimEnd().slice(0, -1).trimEnd()}, http: ${fix.flow} }`;
    } else if (/^[\w-]+:\s/.test(rest)) {
      lines.splice(at + 1, 0, `${' '.repeat((item[1] ?? '').length)}http: ${fix.flow}`);
    } else if (!continues) {
      const c = fix.criterion;
      lines[at] = `${item[1]}{ id: ${c.id}, text: ${JSON.stringify(c.text)}, http: ${fix.flow} }`;
    } else {
      return undefined;
    }
  } else {
    if (continues) return undefined;
    lines[at] = `${current.trimEnd()} \`http: ${fix.flow}\``;
  }
  return lines.join('\n');
}
