import { describe, expect, it } from 'vitest';
import { AGENT_NAMES, agentNameProblem } from '../../src/agents/names.js';
import { ADAPTERS, resolveAdapter } from '../../src/agents/registry.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Diagnostic } from '../../src/errors.js';

const FILE = 'specs/b/contract.md';
const fm = (...lines: string[]) => ['---', ...lines, '---', ''].join('\n');

function errors(text: string): Diagnostic[] {
  const r = parseContract(text, FILE);
  if (r.ok) throw new Error('expected errors, got a contract');
  return r.errors;
}

describe('agent names in a contract', () => {
  it('an unknown agent is an error at its line, naming the feature, with the closest name', () => {
    const [e, ...rest] = errors(fm('feature_id: b', 'title: B', 'agent: cluade'));
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      severity: 'error',
      code: 'contract/unknown-agent',
      message: 'agent of b: unknown agent "cluade" (did you mean "claude"?)',
      location: { file: FILE, line: 4, column: 1 },
      source: 'agent: cluade',
    });
    expect(e?.hint).toBe(
      'Known agents: aider, claude, codex, demo, gemini, opencode; or give a shell command: agent: { command: "./my-agent.sh" }.',
    );
  });

  it('a name nothing is close to gets no guess', () => {
    const [e] = errors(fm('feature_id: b', 'agent: nosuch'));
    expect(e?.message).toBe('agent of b: unknown agent "nosuch"');
  });

  it('checks { name, args } and every agent of attempts, each at its own line', () => {
    const text = fm(
      'feature_id: b',
      'agent: { name: codexx, args: [--fast] }',
      'attempts:',
      '  - claude',
      '  - gemeni',
      '  - { command: ./x.sh }',
    );
    expect(errors(text).map((e) => [e.message, e.location?.line])).toEqual([
      ['agent.name of b: unknown agent "codexx" (did you mean "codex"?)', 3],
      ['attempts[1] of b: unknown agent "gemeni" (did you mean "gemini"?)', 6],
    ]);
  });

  it('`command` alone is refused with what it needs: the command to run', () => {
    const [e] = errors(fm('feature_id: b', 'agent: command'));
    expect(e?.message).toBe('agent of b: agent "command" needs the command to run');
    expect(e?.hint).toMatch(
      /^Give the shell command with it, in a contract or the config: agent: \{ command: "\.\/my-agent\.sh" \}/,
    );
  });

  it('the heading form is held to the same names', () => {
    const [e] = errors('## feature_id\nb\n## agent\nnosuch\n');
    expect(e?.code).toBe('contract/unknown-agent');
    expect(e?.location?.line).toBe(4);
  });

  it('every adapter name, and a shell command, are accepted', () => {
    for (const name of AGENT_NAMES)
      expect(parseContract(fm('feature_id: b', `agent: ${name}`), FILE).ok).toBe(true);
    expect(parseContract(fm('feature_id: b', 'agent: { command: ./x.sh }'), FILE).ok).toBe(true);
  });
});

describe('the agent registry', () => {
  it('has an adapter for exactly the names the contracts accept', () => {
    expect(Object.keys(ADAPTERS).sort()).toEqual([...AGENT_NAMES].sort());
  });

  it('refuses `command` alone (as --agent too) saying what it needs, and lists only names that work', () => {
    expect(() => resolveAdapter('command')).toThrow('agent "command" needs the command to run');
    expect(() => resolveAdapter('nosuch')).toThrow('unknown agent "nosuch"');
    const hint = agentNameProblem('nosuch')?.hint ?? '';
    const listed = /^Known agents: ([^;]+);/.exec(hint)?.[1]?.split(', ') ?? [];
    expect(listed).not.toContain('command');
    for (const name of listed) expect(resolveAdapter(name).name).toBe(name);
  });
});
