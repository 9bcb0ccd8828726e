import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentBin, deferAfterEach, FAKE_KEY, isolatedEnv, mockStarter } from '../agents/agent-rig.js';
import { startAnthropicMock } from '../agents/mock-servers/anthropic.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';

const defer = deferAfterEach();
const mock = mockStarter(startAnthropicMock, defer);

const contract = (id: string, title: string, owns: string, depends: string[] = []) =>
  [
    '---',
    `feature_id: ${id}`,
    `title: ${title}`,
    `owns: ["${owns}"]`,
    `depends_on: { features: ${JSON.stringify(depends)} }`,
    'acceptance_criteria:',
    `  - { id: unit, text: unit tests pass, run: "node --test test/${id}.test.js" }`,
    'estimate_minutes: 30',
    '---',
    `Build ${title.toLowerCase()}.`,
    '',
  ].join('\n');

describe('baton decompose with the real Claude Code against a mock Anthropic API', () => {
  it('writes two contracts through Claude’s Write tool; they lint clean and the plan is printed with its score', async () => {
    agentBin('claude');
    const server = await mock({
      actions: [
        {
          write: {
            path: 'specs/feature-001-catalog/contract.md',
            content: contract('feature-001-catalog', 'Product catalog', 'src/catalog/**'),
          },
        },
        {
          write: {
            path: 'specs/feature-002-cart/contract.md',
            content: contract('feature-002-cart', 'Shopping cart', 'src/cart/**', ['feature-001-catalog']),
          },
        },
      ],
      finalText: 'Wrote two contracts.',
    });
    const repo = makeRepo({
      'README.md': '# shop\n',
      'src/index.js': 'export {};\n',
      'docs/shop.md': '# Shop\nA catalog of products, and a cart that holds products from the catalog.\n',
      'baton.config.json': JSON.stringify({ agent: 'claude' }),
      '.gitignore': '.baton/\n',
    });
    defer(() => repo.cleanup());
    const home = join(repo.root, '..', 'home');
    mkdirSync(home, { recursive: true });
    const env = isolatedEnv(home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: FAKE_KEY });

    const r = await runBaton(['decompose', 'docs/shop.md', '--features', '2', '--rounds', '2'], {
      cwd: repo.root,
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('round 1: 2 contract(s), 0 error(s), 0 warning(s), score 0');
    expect(r.stdout).toContain('wrote specs/feature-001-catalog/contract.md');
    expect(r.stdout).toContain('wrote specs/feature-002-cart/contract.md');
    expect(r.stdout).toContain('critical path   feature-001-catalog → feature-002-cart (60 min)');
    expect(r.stdout).toContain('decomposition score: 0 (clean)');
    expect(readFileSync(join(repo.root, 'specs/feature-002-cart/contract.md'), 'utf8')).toContain(
      'Shopping cart',
    );
    const lint = await runBaton(['lint', '--json'], { cwd: repo.root, env });
    expect(JSON.parse(lint.stdout)).toMatchObject({ ok: true, contracts: 2, errors: 0, warnings: 0 });
    // Claude got the spec and the schema in its task, with the fake key, and nothing else changed.
    const prompt = JSON.stringify(server.requests.map((q) => q.body));
    expect(prompt).toContain('a cart that holds products from the catalog');
    expect(prompt).toContain('Contract schema');
    expect(server.requests.some((q) => q.headers['x-api-key'] === FAKE_KEY)).toBe(true);
    expect(repo.git('status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual([
      '?? specs/feature-001-catalog/contract.md',
      '?? specs/feature-002-cart/contract.md',
    ]);
  });
});
