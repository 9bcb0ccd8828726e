import { describe, expect, it } from 'vitest';
import { lintContracts } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import { ignoreBatonFolder, renderConfig } from '../../src/contracts/scaffold.js';
import {
  checkFeatureName,
  nextFeatureId,
  renderContract,
  slugifyFeatureName,
  titleFromSlug,
} from '../../src/contracts/template.js';

describe('feature names', () => {
  it.each([
    ['upload', undefined, 'upload'],
    ['Product Catalog', undefined, 'product-catalog'],
    ['user_profile', undefined, 'user-profile'],
    ['a  b--c', undefined, 'a-b-c'],
    ['', 'the name is empty', undefined],
    ['../etc', 'it contains a path separator or ".."', undefined],
    ['a/b', 'it contains a path separator or ".."', undefined],
    [
      'x;rm -rf',
      'use letters, digits, spaces, dashes or underscores, starting with a letter or digit',
      undefined,
    ],
    [
      '-flag',
      'use letters, digits, spaces, dashes or underscores, starting with a letter or digit',
      undefined,
    ],
    [
      'café',
      'use letters, digits, spaces, dashes or underscores, starting with a letter or digit',
      undefined,
    ],
  ])('%j → problem %j, slug %j', (name, problem, slug) => {
    expect(checkFeatureName(name)).toBe(problem);
    if (slug !== undefined) expect(slugifyFeatureName(name)).toBe(slug);
  });

  it.each([
    [[], 'feature-001-upload'],
    [['feature-001-example'], 'feature-002-upload'],
    [['feature-001-a', 'feature-010-b', 'notes', 'feature-3-c'], 'feature-011-upload'],
    [['feature-999-z'], 'feature-1000-upload'],
  ])('after %j the next id is %s', (existing, id) => {
    expect(nextFeatureId(existing, 'upload')).toBe(id);
  });

  it('titles come from the slug', () => {
    expect(titleFromSlug('product-catalog')).toBe('Product catalog');
  });
});

describe('renderContract', () => {
  it('writes a valid contract whose criteria are all checkable (lint-clean)', () => {
    const text = renderContract({
      feature_id: 'feature-004-upload',
      title: 'Upload',
      name: 'upload',
      schemaPath: '../../node_modules/baton-cli/schema/contract.schema.json',
    });
    const r = parseContract(text, 'specs/feature-004-upload/contract.md');
    expect(r.ok && r.warnings).toEqual([]);
    if (!r.ok) return;
    expect(r.value.owns).toEqual(['src/upload/**', 'test/upload/**']);
    expect(r.value.acceptance_criteria.map((c) => c.kind)).toEqual(['run', 'files']);
    expect(lintContracts([r.value], [])).toEqual([]);
    expect(text).toContain(
      '# yaml-language-server: $schema=../../node_modules/baton-cli/schema/contract.schema.json',
    );
  });
});

describe('scaffold', () => {
  it.each([
    [undefined, true, "# Baton's log, task files and agent logs (never committed)\n.baton/\n"],
    [
      'node_modules/',
      true,
      "node_modules/\n# Baton's log, task files and agent logs (never committed)\n.baton/\n",
    ],
    ['dist/\n', true, "dist/\n# Baton's log, task files and agent logs (never committed)\n.baton/\n"],
    ['dist/\n/.baton/\n', false, 'dist/\n/.baton/\n'],
    ['.baton\r\n', false, '.baton\r\n'],
  ])('.gitignore %j → changed %s', (before, changed, after) => {
    expect(ignoreBatonFolder(before)).toEqual({ text: after, changed });
  });

  it('writes a config with a $schema and the agent', () => {
    expect(JSON.parse(renderConfig('./x.json', 'codex'))).toEqual({
      $schema: './x.json',
      agent: 'codex',
      specs: 'specs',
    });
  });
});
