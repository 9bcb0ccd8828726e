import { describe, expect, it } from 'vitest';
import { misplacedContract } from '../../src/contracts/misplaced.js';
import { parseContract } from '../../src/contracts/parse.js';

/** A front matter giving `idLine`, with another field that does not validate (so the contract does not parse). */
const broken = (idLine: string) => `---\n${idLine}\nowns: 3\n---\nBody.\n`;

/** The feature id the warning names for `specs/x.md`, or null when it names none; undefined when there is no warning. */
function named(text: string): string | null | undefined {
  const found = misplacedContract('specs/x.md', text, 'specs');
  if (!found) return undefined;
  return /\(feature_id ([^)]+)\)/.exec(found.message)?.[1] ?? null;
}

describe('misplacedContract reads feature_id as lint does', () => {
  it.each([
    ['a quoted id', 'feature_id: "003"', '003'],
    ['a quoted id and a comment', 'feature_id: "feature-002-cart"   # the cart', 'feature-002-cart'],
    ['a plain id and a comment', 'feature_id: feature-002-cart # the cart', 'feature-002-cart'],
    ['a quoted key', '"feature_id": feature-002-cart', 'feature-002-cart'],
    ['a block scalar', 'feature_id: >-\n  feature-002-cart', 'feature-002-cart'],
    // YAML reads these as something that is no feature id: none is named, as lint names none.
    ['a # with no space before it (part of the value)', 'feature_id: abc#def', null],
    ['digits unquoted (the number 3)', 'feature_id: 003', null],
    ['an empty value', 'feature_id:', null],
  ])('%s', (_, idLine, id) => {
    expect(named(broken(idLine))).toBe(id);
  });

  it('names the id lint reads when the rest of the contract is valid', () => {
    for (const idLine of ['feature_id: "003"', "feature_id: 'feature-002-cart' # c", 'feature_id: abc#def']) {
      const text = `---\n${idLine}\n---\n`;
      const lint = parseContract(text, 'specs/x.md');
      expect(named(broken(idLine)), idLine).toBe(lint.ok ? lint.value.feature_id : null);
    }
  });

  it('leaves alone a file whose front matter gives no feature_id', () => {
    expect(named('---\ntitle: notes\n---\nfeature_id: is not in the front matter\n')).toBeUndefined();
    expect(named('---\nnotes:\n  feature_id: nested\n---\n')).toBeUndefined();
  });
});
