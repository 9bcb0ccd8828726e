/**
 * A contract's acceptance criteria as the parser reads them (pure): each normalised to its kind and
 * default id, and the errors no schema can see (two checks in one criterion, an id used twice).
 */

import type { Diagnostic, Result } from '../errors.js';
import { rootRelative, writtenOutside } from '../path-inside.js';
import type { z } from '../zod.js';
import type { Spot } from './heading-form.js';
import { resolveCheckMethod, resolveCheckUrl } from './http-target.js';
import { formatPath, type Path } from './issues.js';
import type { ContractSchema, Criterion, CriterionSchema, HttpCheck } from './schema.js';

/** Where a field of the contract was written. */
export type Locate = (path: Path) => Spot | undefined;

/** Builds a diagnostic at a spot of the contract. */
export type At = (code: string, message: string, spot: Spot | undefined, hint?: string) => Diagnostic;

/** One criterion as written, once validated: a mapping with its check, or words alone. */
export type WrittenCriterion = NonNullable<z.output<typeof ContractSchema>['acceptance_criteria']>[number];

/**
 * The criteria normalised, or the ones with two checks, a repeated id, or a target no check can reach.
 * An item left undefined is one the schema refused (its own error says why): it is skipped, keeping the
 * others' indices, so the rest are still checked.
 */
export function readCriteria(
  written: ReadonlyArray<WrittenCriterion | undefined>,
  locate: Locate,
  at: At,
): Result<Criterion[]> {
  const errors: Diagnostic[] = [];
  const criteria: Criterion[] = [];
  const seenCriteria = new Map<string, number>();
  written.forEach((c, i) => {
    if (c === undefined) return;
    const criterion = normaliseCriterion(c, i);
    const checks = (['run', 'http', 'files'] as const).filter(
      (k) => typeof c !== 'string' && c[k] !== undefined,
    );
    if (checks.length > 1) {
      errors.push(
        at(
          'contract/ambiguous-check',
          `acceptance criterion "${criterion.id}" has ${checks.join(' and ')}; expected at most one of run, http, files`,
          locate(['acceptance_criteria', i]),
          'Split it into one criterion per check.',
        ),
      );
    }
    const previous = seenCriteria.get(criterion.id);
    if (previous !== undefined) {
      errors.push(
        at(
          'contract/duplicate-criterion',
          `acceptance criterion id "${criterion.id}" is used twice (criteria ${previous + 1} and ${i + 1})`,
          locate(['acceptance_criteria', i, 'id']),
          'Give each criterion its own id.',
        ),
      );
    }
    seenCriteria.set(criterion.id, i);
    if (typeof c !== 'string') errors.push(...targetErrors(c, i, criterion.id, locate, at));
    criteria.push(criterion);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: criteria, warnings: [] };
}

/**
 * What a check points at that it cannot reach: a files glob leading out of the worktree (by the rule
 * the files check reads it with: `/src/a.ts` is the worktree's `src/a.ts`), an http URL
 * or method that cannot be sent. A blank URL or glob is left to the empty-check rule (empty-check.ts).
 */
function targetErrors(
  c: z.infer<typeof CriterionSchema>,
  i: number,
  id: string,
  locate: Locate,
  at: At,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const say = (code: string, path: Path, message: string, hint: string) =>
    out.push(at(code, `${formatPath(path)}: criterion "${id}" ${message}`, locate(path), hint));
  (c.files?.exist ?? []).forEach((glob, j) => {
    // A leading `/` means the worktree's root (lint suggests writing it without); the check reads it so too.
    const why = glob.trim() === '' ? undefined : writtenOutside(rootRelative(glob));
    if (why === undefined) return;
    say(
      'contract/files-outside',
      ['acceptance_criteria', i, 'files', 'exist', j],
      `looks for ${JSON.stringify(glob)} outside the worktree (${why}): a files check looks only inside the feature's worktree`,
      'Write the glob relative to the repository root, e.g. src/catalog/index.ts or docs/**/*.md.',
    );
  });
  if (c.http === undefined) return out;
  const url = c.http.url.trim() === '' ? { ok: true as const } : resolveCheckUrl(c.http.url);
  if (!url.ok) {
    say(
      'contract/invalid-http-url',
      ['acceptance_criteria', i, 'http', 'url'],
      `has an http check that cannot be sent: ${url.message}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
      'Write an http: or https: URL, e.g. "http://127.0.0.1:${PORT}/health", or a path such as /health on the feature\'s own server.',
    );
  }
  const method = resolveCheckMethod(c.http.method);
  if (!method.ok) {
    say(
      'contract/invalid-http-method',
      ['acceptance_criteria', i, 'http', 'method'],
      `has an http check that cannot be sent: ${method.message}`,
      'Name the method in any case, e.g. `method: POST`, or leave it out for GET.',
    );
  }
  return out;
}

/** A criterion's id: the one written, else `c<n>` by its position (1-based). */
export function criterionId(written: unknown, index: number): string {
  return typeof written === 'string' && written.length > 0 ? written : `c${index + 1}`;
}

/** An http check with its method in capitals, when it names a method a check can send. */
function normaliseHttp(http: HttpCheck): HttpCheck {
  if (http.method === undefined) return http;
  const method = resolveCheckMethod(http.method);
  return method.ok ? { ...http, method: method.method } : http;
}

/** One criterion in its normal form: its kind from the check it has, `c<n>` when it has no id. */
export function normaliseCriterion(c: z.infer<typeof CriterionSchema> | string, index: number): Criterion {
  const id = criterionId(typeof c === 'string' ? undefined : c.id, index);
  if (typeof c === 'string') return { id, text: c, kind: 'unverifiable' };
  const kind =
    c.run !== undefined
      ? 'run'
      : c.http !== undefined
        ? 'http'
        : c.files !== undefined
          ? 'files'
          : 'unverifiable';
  return {
    id,
    text: c.text,
    kind,
    ...(c.run !== undefined ? { run: c.run } : {}),
    ...(c.http !== undefined ? { http: normaliseHttp(c.http) } : {}),
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...(c.timeout_s !== undefined ? { timeout_s: c.timeout_s } : {}),
    ...(c.after !== undefined ? { after: c.after } : {}),
  };
}
