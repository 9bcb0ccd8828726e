/**
 * A contract's validated fields put in their normal form (pure): every list present, the criteria with
 * their ids, and where each field was written. One builder for a contract that parsed and for what lint
 * can still read of one that did not (salvage.ts).
 */

import type { z } from '../zod.js';
import type { Locate } from './criteria-read.js';
import type { Path } from './issues.js';
import type { Contract, ContractSchema, Criterion, SourcePosition } from './schema.js';

type ContractInput = z.output<typeof ContractSchema>;

/** A normalised criterion and its index in the list as written. */
export interface PlacedCriterion {
  index: number;
  criterion: Criterion;
}

/** What a contract was read from: its text after the front matter, its path, and where its fields are. */
export interface ContractSource {
  body: string;
  file: string;
  locate: Locate;
  lines: readonly string[];
}

/** The contract of validated fields and criteria (a criterion's position is recorded under its place in `criteria`). */
export function buildContract(
  input: ContractInput,
  criteria: readonly PlacedCriterion[],
  source: ContractSource,
): Contract {
  const dependsOn = Array.isArray(input.depends_on)
    ? { features: [...input.depends_on], services: [] }
    : {
        features: [...(input.depends_on?.features ?? [])],
        services: [...(input.depends_on?.services ?? [])],
      };
  return {
    feature_id: input.feature_id,
    title: input.title?.trim() || input.feature_id,
    provides: normaliseProvides(input.provides),
    owns: [...(input.owns ?? [])],
    ...(input.owns_policy !== undefined ? { owns_policy: input.owns_policy } : {}),
    depends_on: dependsOn,
    acceptance_criteria: criteria.map((c) => c.criterion),
    ...(input.serve !== undefined ? { serve: input.serve } : {}),
    ...(input.estimate_minutes !== undefined ? { estimate_minutes: input.estimate_minutes } : {}),
    ...(input.agent !== undefined ? { agent: input.agent } : {}),
    ...(input.timeout_minutes !== undefined ? { timeout_minutes: input.timeout_minutes } : {}),
    ...(input.retries !== undefined ? { retries: input.retries } : {}),
    ...(input.interactive !== undefined ? { interactive: input.interactive } : {}),
    ...(input.attempts !== undefined ? { attempts: input.attempts } : {}),
    ...(input.select !== undefined ? { select: input.select } : {}),
    body: source.body,
    file: source.file,
    positions: positionsOf(input, criteria, source),
  };
}

/** Where the fields that later diagnostics point at were written (ids, dependencies, owns, criteria). */
function positionsOf(
  input: ContractInput,
  criteria: readonly PlacedCriterion[],
  { locate, lines }: ContractSource,
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
  criteria.forEach(({ index, criterion }, i) => {
    remember(`acceptance_criteria.${i}`, ['acceptance_criteria', index]);
    // The globs lint warns about (a leading `/`, see lint.ts), at their own line.
    (criterion.files?.exist ?? []).forEach((glob, j) => {
      if (glob.trim().startsWith('/'))
        remember(`acceptance_criteria.${i}.files.exist.${j}`, [
          'acceptance_criteria',
          index,
          'files',
          'exist',
          j,
        ]);
    });
  });
  return positions;
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
