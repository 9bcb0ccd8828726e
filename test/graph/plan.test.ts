import { describe, expect, it } from 'vitest';
import { renderPlanText } from '../../src/cli/plan.js';
import { unknownDependencyHint } from '../../src/contracts/dependency-hint.js';
import { unknownDependencies } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import type { Diagnostic, Result } from '../../src/errors.js';
import { buildPlan } from '../../src/graph/plan.js';
import { planToJson } from '../../src/graph/render.js';
import type { Plan } from '../../src/graph/types.js';
import { palette } from '../../src/terminal/style.js';

/** A contract parsed from real front matter, so errors carry real positions. */
function contract(id: string, opts: { deps?: string[]; minutes?: number; owns?: string[] } = {}): Contract {
  const lines = ['---', `feature_id: ${id}`];
  if (opts.deps) lines.push('depends_on:', '  features:', ...opts.deps.map((d) => `    - ${d}`));
  if (opts.owns) lines.push(`owns: ${JSON.stringify(opts.owns)}`);
  if (opts.minutes !== undefined) lines.push(`estimate_minutes: ${opts.minutes}`);
  lines.push('---', '');
  const r = parseContract(lines.join('\n'), `specs/${id}/contract.md`);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function planOf(r: Result<Plan>): Plan {
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function errorsOf(r: Result<Plan>): Diagnostic[] {
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('buildPlan', () => {
  it('3 independent features: one wave of 3, potential 3', () => {
    const plan = planOf(buildPlan([contract('c'), contract('a'), contract('b')]));
    expect(plan.waves).toEqual([['a', 'b', 'c']]);
    expect(plan.order).toEqual(['a', 'b', 'c']);
    expect(plan.integration_points.potential).toBe(3);
    expect(plan.integration_points.declared).toBe(0);
  });

  it('10 features: potential 45', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `f${i}`);
    const plan = planOf(buildPlan(ids.map((id) => contract(id))));
    expect(plan.integration_points.potential).toBe(45);
  });

  it('a chain a←b←c: three waves and critical path a, b, c', () => {
    const plan = planOf(
      buildPlan([contract('c', { deps: ['b'] }), contract('b', { deps: ['a'] }), contract('a')]),
    );
    expect(plan.waves).toEqual([['a'], ['b'], ['c']]);
    expect(plan.critical_path.feature_ids).toEqual(['a', 'b', 'c']);
    expect(plan.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
    ]);
    expect(plan.integration_points.declared).toBe(2);
  });

  it('critical path and Amdahl bound follow the estimates', () => {
    const plan = planOf(
      buildPlan([
        contract('auth', { minutes: 30 }),
        contract('catalog', { deps: ['auth'], minutes: 60 }),
        contract('cart', { deps: ['auth'], minutes: 20 }),
        contract('search', { minutes: 70 }),
      ]),
    );
    expect(plan.critical_path).toEqual({ feature_ids: ['auth', 'catalog'], minutes: 90 });
    expect(plan.amdahl).toEqual({ sequential_minutes: 180, parallel_minutes: 90, max_speedup: 2 });
  });

  it('without estimates the critical path is the longest chain and the speedup is unknown', () => {
    const plan = planOf(buildPlan([contract('x'), contract('y', { deps: ['x'] }), contract('z')]));
    expect(plan.critical_path).toEqual({ feature_ids: ['x', 'y'], minutes: 0 });
    expect(plan.amdahl.max_speedup).toBeUndefined();
  });

  it('one missing estimate makes the critical path a lower bound and the bound unknown, in words too', () => {
    // a(30) → b(no estimate) → d(20); a → c(10) → d; e(100) alone: b = 50 would make a → b → d 100 min.
    const plan = planOf(
      buildPlan([
        contract('a', { minutes: 30 }),
        contract('b', { deps: ['a'] }),
        contract('c', { deps: ['a'], minutes: 10 }),
        contract('d', { deps: ['b', 'c'], minutes: 20 }),
        contract('e', { minutes: 100 }),
      ]),
    );
    expect(plan.unestimated).toEqual(['b']);
    expect(plan.amdahl.max_speedup).toBeUndefined();
    const text = renderPlanText(plan, palette(false));
    expect(text).toContain(
      'critical path   unknown (no estimate_minutes in b): at least 100 min, e by the estimates given',
    );
    expect(text).toContain('Amdahl bound    unknown: add estimate_minutes to the contracts of b');
    expect(text).not.toContain('at most');
    expect(planToJson(plan)).toMatchObject({ unestimated: ['b'], amdahl: { max_speedup: null } });
  });

  it('says estimates that add up to no number are an error, never Infinity or NaN minutes', () => {
    // The schema bounds each estimate; contracts built in code can still hold any number.
    const huge = (id: string, deps?: string[]) => ({
      ...contract(id, { ...(deps ? { deps } : {}), minutes: 10 }),
      estimate_minutes: 1e308,
    });
    const [e, ...rest] = errorsOf(buildPlan([huge('a'), huge('b', ['a'])]));
    expect(rest).toEqual([]);
    expect(e?.code).toBe('plan/estimate-too-large');
    expect(e?.message).toBe(
      'the estimates add up to no number of minutes (a gives 1e+308): the critical path and the Amdahl bound are unknown',
    );
    // At its feature_id: the positions record no estimate.
    expect(e?.location).toEqual({ file: 'specs/a/contract.md', line: 2, column: 1 });
    const nan = { ...contract('n', { minutes: 10 }), estimate_minutes: Number.NaN };
    expect(errorsOf(buildPlan([contract('m', { minutes: 5 }), nan]))[0]?.message).toContain('(n gives NaN)');
  });

  it('duplicate ids name both files and the line', () => {
    const a = contract('dup');
    const b = { ...contract('dup'), file: 'specs/other/contract.md' };
    const [e] = errorsOf(buildPlan([a, b]));
    expect(e?.code).toBe('plan/duplicate-id');
    expect(e?.message).toBe(
      'feature_id "dup" is declared twice: in specs/dup/contract.md and in specs/other/contract.md',
    );
    expect(e?.location).toEqual({ file: 'specs/other/contract.md', line: 2, column: 1 });
  });

  it('reports every problem of the graph in one pass: a repeated id, an unknown dependency and a cycle', () => {
    const errors = errorsOf(
      buildPlan([
        contract('dup'),
        { ...contract('dup'), file: 'specs/other/contract.md' },
        contract('a', { deps: ['b', 'nowhere'] }),
        contract('b', { deps: ['a'] }),
      ]),
    );
    expect(errors.map((e) => e.code)).toEqual(['plan/duplicate-id', 'plan/unknown-dependency', 'plan/cycle']);
    expect(errors[2]?.message).toBe('dependency cycle: a → b → a (each depends on the next)');
  });

  it('an unknown dependency lists the known ids, at the line that names it', () => {
    const [e, ...rest] = errorsOf(
      buildPlan([
        contract('feature-001-auth'),
        contract('feature-002-cart', { deps: ['feature-001-authh'] }),
      ]),
    );
    expect(rest).toEqual([]);
    expect(e?.code).toBe('plan/unknown-dependency');
    expect(e?.message).toBe(
      'feature-002-cart depends on "feature-001-authh", which is not a known feature; known ids: feature-001-auth, feature-002-cart',
    );
    expect(e?.hint).toBe('Did you mean "feature-001-auth"?');
    expect(e?.location).toEqual({ file: 'specs/feature-002-cart/contract.md', line: 5, column: 7 });
    expect(e?.source).toBe('    - feature-001-authh');
  });

  it("never suggests the feature's own id for its unknown dependency (that is a cycle), in the plan or in lint's pass", () => {
    const contracts = [
      contract('feature-001-auth'),
      contract('feature-002-catalog', { deps: ['feature-001-auth'] }),
      // Meant feature-002-catalog; its own id is the only one within two edits.
      contract('feature-003-cart', { deps: ['feature-002-cart'] }),
    ];
    const write =
      'Write specs/feature-002-cart/contract.md, or move "feature-002-cart" to depends_on.services if it is not a feature.';
    expect(errorsOf(buildPlan(contracts)).map((e) => e.hint)).toEqual([write]);
    const ids = new Set(contracts.map((c) => c.feature_id));
    expect(unknownDependencies(contracts, ids).map((e) => e.hint)).toEqual([write]);
    // Another feature's near id is still suggested.
    const other = [contract('feature-003-cart'), contract('feature-004-pay', { deps: ['feature-003-crt'] })];
    expect(errorsOf(buildPlan(other)).map((e) => e.hint)).toEqual(['Did you mean "feature-003-cart"?']);
  });

  it('a cycle a→b→c→a is named in order', () => {
    const errors = errorsOf(
      buildPlan([
        contract('b', { deps: ['c'] }),
        contract('c', { deps: ['a'] }),
        contract('a', { deps: ['b'] }),
      ]),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('plan/cycle');
    expect(errors[0]?.message).toBe('dependency cycle: a → b → c → a (each depends on the next)');
    expect(errors[0]?.location).toEqual({ file: 'specs/a/contract.md', line: 5, column: 7 });
  });

  it('a feature depending on itself is a cycle', () => {
    const [e] = errorsOf(buildPlan([contract('a', { deps: ['a'] })]));
    expect(e?.message).toBe('dependency cycle: a → a (each depends on the next)');
  });

  it('reports owned-path overlaps only between features that do not depend on each other', () => {
    const plan = planOf(
      buildPlan([
        contract('api', { owns: ['src/**'] }),
        contract('catalog', { owns: ['src/catalog/**'] }),
        contract('db', { owns: ['src/db.ts'], deps: ['api'] }),
        contract('docs', { owns: ['docs/**'] }),
      ]),
    );
    expect(plan.integration_points.overlaps).toEqual([{ a: 'api', b: 'catalog', pattern: 'src/catalog/**' }]);
  });
});

describe('unknownDependencyHint', () => {
  const write = (dep: string) =>
    `Write specs/${dep}/contract.md, or move "${dep}" to depends_on.services if it is not a feature.`;
  it.each([
    // A short id allows as many edits as a third of the longer id, at least one: "api" is no typo of "ui".
    ['api', ['ui', 'db', 'web'], write('api')],
    ['zz', ['ui', 'db', 'web'], write('zz')],
    ['uii', ['ui', 'db', 'web'], 'Did you mean "ui"?'],
    ['wbe', ['ui', 'db', 'web'], write('wbe')],
    ['webb', ['ui', 'db', 'web'], 'Did you mean "web"?'],
    ['catalg', ['catalog', 'cart'], 'Did you mean "catalog"?'],
    ['catlg', ['catalog', 'cart'], 'Did you mean "catalog"?'],
    // Long ids keep the two edits they had.
    ['feature-001-athh', ['feature-001-auth'], 'Did you mean "feature-001-auth"?'],
    ['feature-001-ath', ['feature-001-auth'], 'Did you mean "feature-001-auth"?'],
  ] as const)('%s among %j → %s', (dep, known, hint) => {
    expect(unknownDependencyHint('owner', dep, known)).toBe(hint);
  });
});
