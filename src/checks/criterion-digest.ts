/**
 * A hash of what a criterion checks, so a result is of the criterion as its contract now defines it:
 * the one rule `check.*` events record (`digest`) and `resultOf` compares.
 */
import { createHash } from 'node:crypto';
import type { Contract, Criterion } from '../contracts/schema.js';

/** A value with its object keys sorted, so the order a contract wrote them in changes no digest. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]),
  );
}

/**
 * The digest of a criterion's definition (pure): its kind, command, HTTP check and thresholds,
 * files check, timeout and place, and the contract's `owns` when it checks that changes stay inside
 * them (the implicit `owns` criterion, whose text never changes). Not its id or text, which a result
 * carries apart. A change to any of these makes a result recorded before it no result.
 */
export function criterionDigest(contract: Pick<Contract, 'owns'>, c: Criterion): string {
  const definition = {
    kind: c.kind,
    run: c.run,
    http: c.http,
    files: c.files,
    timeout_s: c.timeout_s,
    after: c.after,
    owns: c.files?.untouched_outside_owns ? contract.owns : undefined,
  };
  const text = JSON.stringify(sortedKeys(definition));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
