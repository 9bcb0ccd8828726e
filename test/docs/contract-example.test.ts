/**
 * The contract examples of the docs are read by the real parser and linted by the real lint, so they
 * cannot drift from the schema: every fenced block of docs/contracts.md is a contract, a fragment of one,
 * or a comment-only block, and the contract blocks of the README and docs/verify.md are held to it too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintContracts } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import { CONTRACT_FIELDS } from '../../src/contracts/schema.js';

const root = join(import.meta.dirname, '..', '..');

/** One fenced code block of a page: its language, its text (the fence's indentation removed), its line. */
interface Block {
  page: string;
  line: number;
  lang: string;
  text: string;
}

/** Every fenced block of a page, nested in a list item or not. */
function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  let open: { indent: string; fence: string; lang: string; line: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (open === undefined) {
      if (fence)
        open = { indent: fence[1] ?? '', fence: fence[2] ?? '', lang: fence[3] ?? '', line: i + 1, body: [] };
      return;
    }
    if (text.trim() === open.fence) {
      const body = open.body.map((l) =>
        l.startsWith(open?.indent ?? '') ? l.slice(open?.indent.length) : l,
      );
      blocks.push({ page, line: open.line, lang: open.lang, text: `${body.join('\n')}\n` });
      open = undefined;
      return;
    }
    open.body.push(text);
  });
  return blocks;
}

const FIELD = new RegExp(`^(${CONTRACT_FIELDS.join('|')}):`, 'm');
const FIELD_HEADING = new RegExp(`^## (${CONTRACT_FIELDS.join('|')})\\s*$`, 'm');

/**
 * What a block is: a whole contract (front matter or heading form), a fragment of one (fields without
 * `feature_id`, made whole with an id so it can be read), a block of YAML comments, or something else.
 */
function classify(
  b: Block,
): { kind: 'contract' | 'fragment'; text: string; added: number } | { kind: 'comment' | 'other' } {
  const yamlish = ['yaml', 'yml'].includes(b.lang);
  const markdown = ['markdown', 'md'].includes(b.lang);
  if (!yamlish && !markdown) return { kind: 'other' };
  if (b.text.split('\n').every((l) => l.trim() === '' || l.trimStart().startsWith('#')) && yamlish)
    return { kind: 'comment' };
  if (/^---\s*$/.test(b.text.split('\n')[0] ?? '')) return { kind: 'contract', text: b.text, added: 0 };
  if (/^## feature_id\s*$/m.test(b.text)) return { kind: 'contract', text: b.text, added: 0 };
  if (yamlish && FIELD.test(b.text)) {
    const whole = /^feature_id:/m.test(b.text);
    const head = whole ? '---\n' : '---\nfeature_id: example\n';
    return { kind: whole ? 'contract' : 'fragment', text: `${head}${b.text}---\n`, added: whole ? 1 : 2 };
  }
  if (markdown && FIELD_HEADING.test(b.text))
    return { kind: 'fragment', text: `## feature_id\n\nexample\n\n${b.text}`, added: 4 };
  return { kind: 'other' };
}

/**
 * What lint may say about an example: the heading form as the method writes it has criteria in words
 * and no `owns`, and a fragment has no `serve:` of its own. Anything else is an example gone wrong.
 */
const ALLOWED = {
  contract: ['lint/unverifiable-criterion', 'lint/no-owns'],
  fragment: ['lint/unverifiable-criterion', 'lint/no-owns', 'lint/http-without-serve'],
};

/** An example made readable as a contract, and how many lines were put before the block's own. */
interface Example {
  b: Block;
  kind: 'contract' | 'fragment';
  text: string;
  added: number;
}

/** Everything the parser and lint say about one example, each at its line of the page. */
function problems({ b, kind, text, added }: Example): string[] {
  const parsed = parseContract(text, 'specs/example/contract.md');
  const said = (d: { code: string; message: string; location?: { line?: number } }) => {
    const line = d.location?.line === undefined ? b.line : b.line + Math.max(1, d.location.line - added);
    return `${b.page}:${line}: ${d.code}: ${d.message}`;
  };
  if (!parsed.ok) return parsed.errors.map(said);
  const linted = lintContracts([parsed.value], []).filter((d) => !ALLOWED[kind].includes(d.code));
  return [...parsed.warnings, ...linted].map(said);
}

describe('the contract examples in the docs', () => {
  const contractsPage = blocksOf('docs/contracts.md');

  it('docs/contracts.md: every block is a contract, a fragment of one, or YAML comments', () => {
    const other = contractsPage.filter((b) => classify(b).kind === 'other');
    expect(other.map((b) => `${b.page}:${b.line} (${b.lang || 'no language'})`)).toEqual([]);
    // The page shows both forms whole, and the criteria's check syntax as a fragment.
    expect(contractsPage.filter((b) => classify(b).kind === 'contract')).toHaveLength(2);
  });

  const pages = [
    ...contractsPage,
    ...blocksOf('README.md').filter((b) => classify(b).kind === 'contract'),
    ...blocksOf('docs/verify.md').filter((b) => classify(b).kind !== 'other'),
  ];
  const examples = pages.flatMap((b): Example[] => {
    const c = classify(b);
    return c.kind === 'contract' || c.kind === 'fragment' ? [{ b, ...c }] : [];
  });

  it('the README and docs/verify.md have their examples too', () => {
    expect(examples.filter((e) => e.b.page === 'README.md')).toHaveLength(2);
    expect(examples.filter((e) => e.b.page === 'docs/verify.md')).toHaveLength(1);
  });

  it.each(examples.map((e) => [`${e.b.page}:${e.b.line} (${e.kind})`, e] as const))(
    '%s parses with no error or warning, and lint finds nothing wrong',
    (_, e) => {
      expect(problems(e)).toEqual([]);
    },
  );

  it('each check of the criteria syntax appears, so the examples show every kind', () => {
    const all = examples.map((e) => parseContract(e.text, 'specs/example/contract.md'));
    const kinds = new Set(all.flatMap((r) => (r.ok ? r.value.acceptance_criteria.map((c) => c.kind) : [])));
    expect([...kinds].sort()).toEqual(['files', 'http', 'run', 'unverifiable']);
  });
});
