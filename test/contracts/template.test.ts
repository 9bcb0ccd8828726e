import { describe, expect, it } from 'vitest';
import { lintContracts } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import {
  detectTestRunner,
  ignoreBatonFolder,
  type ProjectProbe,
  renderConfig,
} from '../../src/contracts/scaffold.js';
import {
  checkFeatureName,
  nextFeatureId,
  placeholderTestCommand,
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
      'use ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit',
      undefined,
    ],
    [
      '-flag',
      'use ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit',
      undefined,
    ],
    [
      'café',
      'use ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit',
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
  it('writes a valid contract whose criteria are all checkable, flagged by lint until it is described', () => {
    const text = renderContract({
      feature_id: 'feature-004-upload',
      title: 'Upload',
      name: 'upload',
      schemaPath: '../../node_modules/baton-cli/schema/contract.schema.json',
      testCommand: 'node --test test/upload/',
    });
    const r = parseContract(text, 'specs/feature-004-upload/contract.md');
    expect(r.ok && r.warnings).toEqual([]);
    if (!r.ok) return;
    expect(r.value.owns).toEqual(['src/upload/**', 'test/upload/**']);
    expect(r.value.acceptance_criteria.map((c) => c.kind)).toEqual(['run', 'files']);
    expect(r.value.acceptance_criteria[0]?.run).toBe('node --test test/upload/');
    // Left as is, the template is not a contract anyone wrote: lint says so.
    expect(lintContracts([r.value], []).map((d) => d.code)).toEqual(['lint/template-unchanged']);
    const described = parseContract(
      text.replace(/Describe the feature for the agent here:[^\n]*/, 'Uploads files up to 10 MB.'),
      'specs/feature-004-upload/contract.md',
    );
    expect(described.ok && lintContracts([described.value], [])).toEqual([]);
    expect(text).toContain(
      '# yaml-language-server: $schema=../../node_modules/baton-cli/schema/contract.schema.json',
    );
  });

  it('without a known test runner writes a run command that fails, and lint names it as a placeholder', () => {
    const text = renderContract({ feature_id: 'feature-004-upload', title: 'Upload', name: 'upload' });
    const r = parseContract(text, 'specs/feature-004-upload/contract.md');
    if (!r.ok) throw new Error('expected a contract');
    expect(r.value.acceptance_criteria[0]?.run).toBe(placeholderTestCommand('upload'));
    expect(lintContracts([r.value], []).map((d) => d.code)).toEqual([
      'lint/template-unchanged',
      'lint/placeholder-check',
    ]);
  });
});

describe('detectTestRunner', () => {
  const pkg = (test: string) => JSON.stringify({ scripts: { test } });
  it.each<[string, ProjectProbe, string | undefined, string | undefined]>([
    ['node --test', { packageJson: pkg('node --test') }, 'npm test', 'node --test test/auth/'],
    ['vitest', { packageJson: pkg('vitest run') }, 'npm test', 'npm test -- auth'],
    ['jest', { packageJson: pkg('jest --ci') }, 'npm test', 'npm test -- auth'],
    ['mocha', { packageJson: pkg('mocha') }, 'npm test', 'npx mocha --recursive test/auth'],
    ['an unknown npm script', { packageJson: pkg('./run-tests.sh') }, 'npm test', 'npm test'],
    [
      "npm's placeholder",
      { packageJson: pkg('echo "Error: no test specified" && exit 1') },
      undefined,
      undefined,
    ],
    ['pytest.ini', { pytestConfig: true }, 'pytest', 'pytest -k auth'],
    ['pyproject with pytest', { pyproject: '[tool.pytest.ini_options]\n' }, 'pytest', 'pytest -k auth'],
    ['go.mod', { goMod: true }, 'go test ./...', 'go test ./src/auth/...'],
    ['Cargo.toml', { cargoToml: true }, 'cargo test', 'cargo test auth'],
    [
      'a Makefile test target',
      { makefile: 'build:\n\tcc x.c\ntest: build\n\t./t\n' },
      'make test',
      'make test',
    ],
    ['a Makefile without one', { makefile: 'build:\n\tcc x.c\n' }, undefined, undefined],
    [
      'package.json before a Makefile',
      { packageJson: pkg('vitest'), makefile: 'test:\n' },
      'npm test',
      'npm test -- auth',
    ],
    ['nothing', {}, undefined, undefined],
  ])('%s', (_name, probe, command, forFeature) => {
    const runner = detectTestRunner(probe);
    expect(runner?.command).toBe(command);
    expect(runner?.forFeature('auth')).toBe(forFeature);
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
    ['/*\n!/src/\n', false, '/*\n!/src/\n'],
  ])('.gitignore %j → changed %s', (before, changed, after) => {
    // `already`: whether git ignores .baton/ (init asks `git check-ignore`).
    expect(ignoreBatonFolder(before, !changed)).toEqual({ text: after, changed });
  });

  it('writes a config with a $schema and the agent', () => {
    expect(JSON.parse(renderConfig('./x.json', 'codex'))).toEqual({
      $schema: './x.json',
      agent: 'codex',
      specs: 'specs',
    });
  });
});
