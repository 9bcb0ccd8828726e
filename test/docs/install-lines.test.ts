/** Every install line in the docs installs Baton the way the README's Install section does: from a clone. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const PACKAGE = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name;

describe('install lines', () => {
  it(`never install ${PACKAGE} from the npm registry, where it is not published`, () => {
    // `npm install [-g|-D|…] baton-cli`, `npx baton-cli`, `pnpm add baton-cli`…: a name the registry does not hold.
    const fromRegistry = new RegExp(
      String.raw`\b(npm (install|i|add)|pnpm add|yarn (global )?add|npx|bunx?)\b[^\n]*?(?<![\w./@-])${PACKAGE}(@[\w.^~-]*)?(?![\w./-])`,
      'm',
    );
    const found = pages.flatMap((page) =>
      readFileSync(join(root, page), 'utf8')
        .split('\n')
        .map((line, i) => [`${page}:${i + 1}`, line] as const)
        .filter(([, line]) => fromRegistry.test(line))
        .map(([where, line]) => `${where}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });
});
