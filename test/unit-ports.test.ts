import { describe, expect, it } from 'vitest';
import { parseContract } from '../src/contracts/parse.js';
import { MAX_ATTEMPTS } from '../src/contracts/schema.js';
import { buildPlan } from '../src/graph/plan.js';
import type { Plan } from '../src/graph/types.js';
import { blockEnd } from '../src/ports.js';
import { integrationPortBlock, unitPortBlock } from '../src/unit-ports.js';

function planOf(ids: string[]): Plan {
  const contracts = ids.map((id) => {
    const r = parseContract(`---\nfeature_id: ${id}\n---\n`, `specs/${id}/contract.md`);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    return r.value;
  });
  const plan = buildPlan(contracts);
  if (!plan.ok) throw new Error(plan.errors.map((e) => e.message).join('\n'));
  return plan.value;
}

describe('the port blocks of a plan’s units', () => {
  const plan = planOf(['a', 'b', 'c']);
  it('gives features their blocks in plan order from port_base, then every attempt’s', () => {
    expect(plan.order.map((id) => unitPortBlock(plan, id, 41000).port)).toEqual([41000, 41010, 41020]);
    expect(unitPortBlock(plan, 'a.a1', 41000).port).toBe(41030);
    expect(unitPortBlock(plan, 'b.a1', 41000).port).toBe(41030 + MAX_ATTEMPTS * 10);
  });

  it('gives the integration’s test command the block after every feature’s, which no feature has', () => {
    const features = plan.order.map((id) => unitPortBlock(plan, id, 41000));
    const integration = integrationPortBlock(plan, 41000);
    expect(integration.base).toBe(Math.max(...features.map(blockEnd)) + 1);
    expect(integrationPortBlock(plan, 65000).base).toBe(65030);
  });
});
