import { describe, expect, it } from 'vitest';
import { isBestOfN, parseAttemptsFlag, planAttempts } from '../../src/attempts/plan.js';

const config = { agent: 'claude' as const };

describe('planAttempts', () => {
  it.each([
    ['no setting anywhere: one attempt with the feature agent', {}, {}, {}, ['claude'], 'best'],
    [
      'a count in the contract repeats the contract agent',
      { attempts: 3, agent: 'codex' },
      {},
      {},
      ['codex', 'codex', 'codex'],
      'best',
    ],
    ['a list in the contract', { attempts: ['claude', 'codex'] }, {}, {}, ['claude', 'codex'], 'best'],
    [
      'the config applies when the contract says nothing',
      {},
      { attempts: 2, select: 'first-passing' },
      {},
      ['claude', 'claude'],
      'first-passing',
    ],
    ['the contract beats the config', { attempts: 2 }, { attempts: 4 }, {}, ['claude', 'claude'], 'best'],
    [
      "a contract's own agent beats the agents a config list names, which gives the count",
      { agent: 'demo' },
      { attempts: ['claude', 'codex'] },
      {},
      ['demo', 'demo'],
      'best',
    ],
    [
      'a config list names the agents of a contract that names none',
      {},
      { attempts: ['claude', 'codex'] },
      {},
      ['claude', 'codex'],
      'best',
    ],
    [
      'the flag beats the contract',
      { attempts: 2, select: 'best' },
      {},
      { flag: ['gemini', 'codex', 'claude'], selectFlag: 'first-passing' },
      ['gemini', 'codex', 'claude'],
      'first-passing',
    ],
    [
      "a resume keeps the interrupted run's rule over the contract's",
      { attempts: 2, select: 'best' },
      {},
      { resumed: 2, resumedSelect: 'first-passing' },
      ['claude', 'claude'],
      'first-passing',
    ],
    [
      '--select on the resume beats the interrupted run rule',
      {},
      {},
      { resumed: 2, resumedSelect: 'first-passing', selectFlag: 'best' },
      ['claude', 'claude'],
      'best',
    ],
    [
      '--agent replaces every attempt agent, keeping the count',
      { attempts: ['claude', 'codex'] },
      {},
      { agentFlag: 'demo' },
      ['demo', 'demo'],
      'best',
    ],
  ] as const)('%s', (_name, contract, cfg, flags, agents, select) => {
    const plan = planAttempts({ contract, config: { ...config, ...cfg }, ...flags } as Parameters<
      typeof planAttempts
    >[0]);
    expect(plan.agents).toEqual(agents);
    expect(plan.select).toBe(select);
  });

  it('one attempt is a plain run, two or more are best-of-N', () => {
    expect(isBestOfN({ agents: ['claude'], select: 'best' })).toBe(false);
    expect(isBestOfN({ agents: ['claude', 'codex'], select: 'best' })).toBe(true);
  });
});

describe('parseAttemptsFlag', () => {
  it.each([
    ['3', { ok: true, value: 3 }],
    ['claude,codex', { ok: true, value: ['claude', 'codex'] }],
    [' claude , codex ', { ok: true, value: ['claude', 'codex'] }],
  ])('reads %j', (text, want) => {
    expect(parseAttemptsFlag(text)).toEqual(want);
  });

  it.each(['0', '10', ',', ''])('refuses %j with a message', (text) => {
    const r = parseAttemptsFlag(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/--attempts/);
  });
});
