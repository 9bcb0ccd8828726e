/**
 * Contracts written directly in the specs folder (`specs/contract.md`, `specs/feature-002-cart.md`),
 * which are not read: a contract lives in its feature's folder. The opposite slip, a contract one level
 * too deep, is `contracts/missing-contract`'s (load.ts); both are warned, never skipped in silence.
 */
import type { Diagnostic } from '../errors.js';
import { FEATURE_ID_PATTERN } from './feature-id.js';
import { isHeadingForm } from './heading-form.js';
import { parseContract, writtenFields } from './parse.js';

/**
 * The warning for a file of the specs folder itself (`rel`, its `text`) that looks like a contract, or
 * undefined for any other (pure): one named `contract.md`, or a markdown file whose front matter or
 * headings give a `feature_id`. A README, notes or an image beside the feature folders are left alone.
 */
export function misplacedContract(rel: string, text: string, specsRel: string): Diagnostic | undefined {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (!/\.md$/i.test(name)) return undefined;
  const parsed = parseContract(text, rel);
  // Read as lint reads it (quotes, comments, a number, a block scalar), even when other fields do not validate.
  const written = writtenFields(text)?.feature_id;
  const looksLike =
    parsed.ok || written !== undefined || isHeadingForm(text) || name.toLowerCase() === 'contract.md';
  if (!looksLike) return undefined;
  const id = parsed.ok
    ? parsed.value.feature_id
    : typeof written === 'string' && FEATURE_ID_PATTERN.test(written)
      ? written
      : undefined;
  const target = `${specsRel}/${id ?? '<feature_id>'}/contract.md`;
  return {
    severity: 'warning',
    code: 'contracts/misplaced-contract',
    message: `${rel} looks like a contract${id ? ` (feature_id ${id})` : ''} but is not read: a contract lives in its feature's folder, ${specsRel}/<feature_id>/contract.md`,
    location: { file: rel },
    hint: `Move ${rel} to ${target}${id ? '' : ', the folder named by its feature_id'}.`,
  };
}
