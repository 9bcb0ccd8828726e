/**
 * A contract's acceptance criteria as the parser reads them (pure): each normalised to its kind and
 * default id, and the errors no schema can see (two checks in one criterion, an id used twice).
 */
import type { Diagnostic, Result } from '../errors.js';
import type { z } from '../zod.js';
import type { Spot } from './heading-form.js';
import type { Path } from './issues.js';
import type { ContractSchema, Criterion, CriterionSchema } from './schema.js';

/** Where a field of the contract was written. */
export type Locate = (path: Path) => Spot | undefined;

/** Builds a diagnostic at a spot of the contract. */
export type At = (code: string, message: string, spot: Spot | undefined, hint?: string) => Diagnostic;

type ContractInput = z.output<typeof ContractSchema>;

/** The criteria normalised, or the ones with two checks or a repeated id. */
export function readCriteria(
  written: NonNullable<ContractInput['acceptance_criteria']>,
  locate: Locate,
  at: At,
): Result<Criterion[]> {
  const errors: Diagnostic[] = [];
  const criteria: Criterion[] = [];
  const seenCriteria = new Map<string, number>();
  written.forEach((c, i) => {
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
    criteria.push(criterion);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: criteria, warnings: [] };
}

/** One criterion in its normal form: its kind from the check it has, `c<n>` when it has no id. */
export function normaliseCriterion(c: z.infer<typeof CriterionSchema> | string, index: number): Criterion {
  const id = typeof c === 'string' ? `c${index + 1}` : (c.id ?? `c${index + 1}`);
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
    ...(c.http !== undefined ? { http: c.http } : {}),
    ...(c.files !== undefined ? { files: c.files } : {}),
    ...(c.timeout_s !== undefined ? { timeout_s: c.timeout_s } : {}),
    ...(c.after !== undefined ? { after: c.after } : {}),
  };
}
