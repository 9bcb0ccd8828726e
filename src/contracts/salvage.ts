/**
 * What can still be read of a contract that did not parse (pure): each field validated on its own, and
 * each criterion on its own, so the checks that read only valid parts still run (a bad `after:` on one
 * criterion hides no repeated id among the others) and lint still says what it would of them.
 */

import type { z } from '../zod.js';
import { buildContract, type ContractSource, type PlacedCriterion } from './build.js';
import { normaliseCriterion, type WrittenCriterion } from './criteria-read.js';
import { type Contract, ContractSchema, CriterionItemSchema } from './schema.js';
import { validFieldsOf } from './schema-fields.js';

type ContractInput = z.output<typeof ContractSchema>;

/** The parts of a contract's fields that validate, each on its own. */
export interface ValidParts {
  /** The top-level fields that validated. */
  fields: Partial<ContractInput>;
  /** Each criterion as written, at its index: validated, or undefined when the schema refused it. */
  criteria: Array<WrittenCriterion | undefined>;
  /** The top-level fields written that did not validate (`acceptance_criteria` when one criterion did not). */
  failed: Set<string>;
}

/** A contract that did not parse, as far as it validated, for lint's rules on the parts that did. */
export interface SalvagedContract {
  /**
   * The contract of the fields that validated: a field that did not is absent here (empty lists, no
   * `serve`), and so is a criterion that did not (the others keep their ids and positions).
   */
  contract: Contract;
  /** The fields that did not validate: a rule that reads one of them says nothing of this contract. */
  failed: ReadonlySet<string>;
}

/** Validates each top-level field, and each criterion, of the fields as written on its own (pure). */
export function validParts(known: Record<string, unknown>): ValidParts {
  const { fields, failed } = validFieldsOf(ContractSchema.shape, known);
  const written = known.acceptance_criteria;
  const criteria = Array.isArray(written)
    ? written.map((item: unknown) => {
        const r = CriterionItemSchema.safeParse(item);
        return r.success ? r.data : undefined;
      })
    : [];
  // Each field kept passed its own schema, which is its whole schema's part.
  return { fields: fields as Partial<ContractInput>, criteria, failed };
}

/**
 * The salvaged contract (pure). `emptied` names the criteria whose empty check was taken out before the
 * schema: their own error tells it, and lint would call them unverifiable, which they are not as written.
 */
export function salvageContract(
  parts: ValidParts,
  source: ContractSource,
  emptied: ReadonlySet<number>,
): SalvagedContract {
  const criteria: PlacedCriterion[] = parts.criteria.flatMap((item, index) =>
    item === undefined || emptied.has(index) ? [] : [{ index, criterion: normaliseCriterion(item, index) }],
  );
  const failed = new Set(parts.failed);
  if (emptied.size > 0) failed.add('acceptance_criteria');
  const input = { ...parts.fields, feature_id: parts.fields.feature_id ?? fallbackId(source.file) };
  return { contract: buildContract(input, criteria, source), failed };
}

/** The name lint calls a contract by whose `feature_id` did not validate: its folder's (the id it most likely has). */
function fallbackId(file: string): string {
  return file.split('/').at(-2) ?? file;
}
