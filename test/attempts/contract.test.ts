import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ConfigSchema } from '../../src/config-schema.js';
import { parseContract } from '../../src/contracts/parse.js';

const FILE = 'specs/search/contract.md';

function fm(...lines: string[]): string {
  return `---\nfeature_id: search\n${lines.join('\n')}\n---\n`;
}

describe('attempts and select in contracts and the config', () => {
  it('reads a count and a policy from front matter', () => {
    const r = parseContract(fm('attempts: 3', 'select: first-passing'), FILE);
    expect(r.ok && r.value.attempts).toBe(3);
    expect(r.ok && r.value.select).toBe('first-passing');
  });

  it('reads a list of agents from front matter', () => {
    const r = parseContract(fm('attempts: [claude, codex, {command: "node fix.js"}]'), FILE);
    expect(r.ok && r.value.attempts).toEqual(['claude', 'codex', { command: 'node fix.js' }]);
  });

  it('reads both forms in the heading form', () => {
    const heading = (attempts: string) =>
      `# Search\n\n## feature_id\nsearch\n\n## attempts\n${attempts}\n\n## select\nbest\n`;
    const count = parseContract(heading('2'), FILE);
    expect(count.ok && count.value.attempts).toBe(2);
    expect(count.ok && count.value.select).toBe('best');
    const list = parseContract(heading('claude, codex'), FILE);
    expect(list.ok && list.value.attempts).toEqual(['claude', 'codex']);
  });

  it.each(['attempts: 0', 'attempts: 10', 'attempts: []', 'select: fastest'])('refuses %s', (line) => {
    const r = parseContract(fm(line), FILE);
    expect(r.ok).toBe(false);
  });

  it('the config carries attempts and select', () => {
    const input = ConfigSchema.parse({ attempts: ['claude', 'codex'], select: 'first-passing' });
    const config = resolveConfig('/repo', input);
    expect(config.attempts).toEqual(['claude', 'codex']);
    expect(config.select).toBe('first-passing');
    expect(ConfigSchema.safeParse({ attempts: 12 }).success).toBe(false);
  });
});
