/**
 * One rule for a path a contract writes (path-inside.ts): a `files` glob and an `owns` pattern get the
 * same answer to "does it lead out of the repository?", a leading `/` is the repository root for both
 * (lint asks to write it without), and owns keeps only its own, named extra rule (`..`, `\`, `.git/`).
 */
import { describe, expect, it } from 'vitest';
import { lintContracts, ownsPatternProblem } from '../../src/contracts/lint.js';
import { compileOwns } from '../../src/contracts/owns.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { rootRelative, writtenOutside } from '../../src/path-inside.js';

const FILE = 'specs/a/contract.md';

/** A contract owning `owns` whose one criterion looks for `glob`. */
function contract(owns: string, glob: string): string {
  return [
    '---',
    'feature_id: a',
    `owns: [${JSON.stringify(owns)}]`,
    'acceptance_criteria:',
    '  - id: k',
    '    text: t',
    `    files: { exist: [${JSON.stringify(glob)}] }`,
    '---',
    '',
  ].join('\n');
}

function parsed(text: string): Contract {
  const r = parseContract(text, FILE);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

/** The files check's answer: undefined when the contract reads, else the files-outside message. */
function filesAnswer(glob: string): string | undefined {
  const r = parseContract(contract('src/**', glob), FILE);
  if (r.ok) return undefined;
  expect(r.errors.map((e) => e.code)).toEqual(['contract/files-outside']);
  return r.errors[0]?.message;
}

describe('files and owns lead out of the repository by one rule', () => {
  it.each([
    // path, what the shared rule says (undefined: inside), and whether owns adds its own problem
    ['src/a.ts', undefined, false],
    ['/src/a.ts', undefined, false],
    ['./src/**', undefined, false],
    ['src/../x', undefined, true],
    ['~/x', 'home folder', false],
    ['C:/x', 'absolute path', false],
    ['c:x', 'absolute path', false],
    ['../x', 'climbs out', false],
    ['/../x', 'climbs out', false],
    ['src/../../x', 'climbs out', false],
  ] as const)('%s: %s', (path, outside, ownsOnly) => {
    const shared = writtenOutside(rootRelative(path));
    if (outside === undefined) expect(shared).toBeUndefined();
    else expect(shared).toContain(outside);
    // A files check says the same, as an error at the glob.
    const files = filesAnswer(path);
    if (outside === undefined) expect(files).toBeUndefined();
    else expect(files).toContain(outside);
    // owns says the same as a warning, and only its extra rule may add to it.
    const owns = ownsPatternProblem(path);
    if (outside !== undefined) expect(owns).toContain(outside);
    else if (ownsOnly) expect(owns).toContain('".."');
    else expect(owns).toBeUndefined();
  });
});

describe('a leading / is the repository root', () => {
  it('for owns: /src/** covers src/a.ts', () => {
    expect(compileOwns(['/src/**'])('src/a.ts')).toBe(true);
    expect(compileOwns(['/src/a.ts'])('src/a.ts')).toBe(true);
  });

  it('lint warns at the glob and at the owns pattern: write it without the leading /', () => {
    const c = parsed(contract('/src/**', '/src/a/i.ts'));
    const rooted = lintContracts([c], []).filter((d) => d.code === 'lint/rooted-path');
    expect(rooted.map((d) => [d.severity, d.location?.line, d.message, d.hint])).toEqual([
      [
        'warning',
        3,
        expect.stringContaining('owns pattern "/src/**" starts with "/"'),
        expect.stringContaining('Write it without the leading /: src/**'),
      ],
      [
        'warning',
        7,
        expect.stringContaining(`criterion k's files glob "/src/a/i.ts" starts with "/"`),
        expect.stringContaining('Write it without the leading /: src/a/i.ts'),
      ],
    ]);
  });

  it('a path without it earns no warning', () => {
    const c = parsed(contract('src/**', 'src/a/i.ts'));
    expect(lintContracts([c], []).filter((d) => d.code === 'lint/rooted-path')).toEqual([]);
  });
});

describe('empty and . segments name nothing of their own', () => {
  it.each([
    ['src//a', 'src/a'],
    ['src/./a/**', 'src/a/**'],
    ['.//src/.//./a.ts', 'src/a.ts'],
    ['src/a//', 'src/a/'],
    ['src/a/.', 'src/a/'],
    ['src/.hidden/..x', 'src/.hidden/..x'],
    ['src//../x', 'src/../x'],
  ])('%s is read as %s', (written, read) => {
    expect(rootRelative(written)).toBe(read);
  });
});
