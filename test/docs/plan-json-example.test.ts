/** The `baton plan --json` example of docs/commands-foundation.md is what planToJson gives for the plan the page shows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { buildPlan } from '../../src/graph/plan.js';
import { planToJson } from '../../src/graph/render.js';

const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'commands-foundation.md'), 'utf8');

function contract(id: string, minutes: number, deps: string[] = []): Contract {
  const lines = ['---', `feature_id: ${id}`, `estimate_minutes: ${minutes}`];
  if (deps.length) lines.push(`depends_on: [${deps.join(', ')}]`);
  const r = parseContract([...lines, '---', ''].join('\n'), `specs/${id}/contract.md`);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

/** A one-line `"key": { … }` member of the page's plan JSON example, parsed. */
function exampleMember(key: string): unknown {
  const line = page.split('\n').find((l) => l.trim().startsWith(`"${key}": {`));
  if (!line) throw new Error(`no "${key}" line in docs/commands-foundation.md`);
  return JSON.parse(`{${line.trim().replace(/,$/, '')}}`)[key];
}

describe('docs/commands-foundation.md, baton plan --json', () => {
  it("shows the amdahl and critical path objects of the page's own plan as planToJson prints them", () => {
    // The plan the page's `baton plan` shows: 150 min of work, 90 on the critical path.
    const plan = buildPlan([
      contract('feature-001-authentication', 30),
      contract('feature-002-product-catalog', 60, ['feature-001-authentication']),
      contract('feature-003-cart', 20, ['feature-001-authentication']),
      contract('feature-004-search', 40),
    ]);
    if (!plan.ok) throw new Error('the example plan does not build');
    const json = JSON.parse(JSON.stringify(planToJson(plan.value)));
    expect(exampleMember('amdahl')).toEqual(json.amdahl);
    expect((exampleMember('critical_path') as { minutes: number }).minutes).toBe(json.critical_path.minutes);
  });
});
