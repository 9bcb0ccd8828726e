import { describe, expect, it } from 'vitest';
import { parseAttemptUnitId } from '../../src/contracts/feature-id.js';
import {
  type Collision,
  classify,
  diffCollisions,
  findCandidates,
  type RadarFeature,
} from '../../src/radar/detect.js';

const feature = (id: string, paths: string[], owns: string[] = [`src/${id}/**`], seen: number[] = []) => ({
  feature_id: id,
  feature: parseAttemptUnitId(id)?.featureId ?? id,
  paths,
  owns,
  firstSeen: new Map(paths.map((p, i) => [p, seen[i] ?? 0])),
});

describe('findCandidates', () => {
  it("never pairs best-of-N attempts of one feature, and holds each attempt to its feature's owns", () => {
    const owns = ['src/api/**'];
    const c = findCandidates([
      feature('api.a1', ['src/api/x.ts'], owns),
      feature('api.a2', ['src/api/x.ts'], owns),
      feature('web', ['src/web/y.ts', 'src/api/x.ts'], ['src/web/**']),
    ]);
    expect(c.map((p) => p.key)).toEqual(['api.a1+web', 'api.a2+web']);
    expect(c[0]?.shared).toEqual(['src/api/x.ts']);
  });

  it('pairs features that touch a common path, ids sorted, shared paths sorted', () => {
    const c = findCandidates([feature('b', ['x.ts', 'src/b/1.ts']), feature('a', ['src/a/1.ts', 'x.ts'])]);
    expect(c).toEqual([{ key: 'a+b', features: ['a', 'b'], shared: ['x.ts'], owned: [] }]);
  });

  it('pairs a feature that touches a path the other owns, even when the owner has not touched it', () => {
    const c = findCandidates([feature('a', ['src/b/api.ts']), feature('b', [])]);
    expect(c).toEqual([
      {
        key: 'a+b',
        features: ['a', 'b'],
        shared: [],
        owned: [{ path: 'src/b/api.ts', by: 'a', owner: 'b' }],
      },
    ]);
  });

  it('ignores a path both own and one touches, and pairs with nothing in common', () => {
    expect(
      findCandidates([
        feature('a', ['lib/x.ts'], ['lib/**']),
        feature('b', ['src/b/y.ts'], ['lib/**', 'src/b/**']),
      ]),
    ).toEqual([]);
    expect(findCandidates([feature('a', ['src/a/x.ts']), feature('b', ['src/b/x.ts'])])).toEqual([]);
  });
});

describe('classify', () => {
  const features = new Map<string, RadarFeature>([
    ['a', feature('a', ['x.ts', 'y.ts'], [], [100, 500])],
    ['b', feature('b', ['x.ts', 'y.ts'], [], [300, 200])],
  ]);
  const candidate = {
    key: 'a+b',
    features: ['a', 'b'] as [string, string],
    shared: ['x.ts', 'y.ts'],
    owned: [],
  };

  it('is a conflict when the merge check names a shared path, an overlap otherwise', () => {
    expect(classify(candidate, ['x.ts', 'y.ts'], features).map((c) => c.kind)).toEqual(['conflict']);
    expect(classify(candidate, [], features).map((c) => c.kind)).toEqual(['overlap']);
  });

  it('names as second the feature whose first touch of the paths came later', () => {
    // a first touched the pair at 100, b at 200: b came second.
    expect(classify(candidate, [], features)[0]?.second).toBe('b');
    const later = new Map(features).set('a', feature('a', ['x.ts', 'y.ts'], [], [900, 900]));
    expect(classify(candidate, [], later)[0]?.second).toBe('a');
  });

  it('makes an owned-path touch an `owned` collision whose second is the toucher', () => {
    const owned = {
      key: 'a+b',
      features: ['a', 'b'] as [string, string],
      shared: [],
      owned: [{ path: 'src/a/z.ts', by: 'b', owner: 'a' }],
    };
    expect(classify(owned, [], features)).toEqual([
      {
        key: 'a+b',
        features: ['a', 'b'],
        kind: 'owned',
        paths: ['src/a/z.ts'],
        second: 'b',
      },
    ]);
  });

  it('reports an owned-path touch beside a shared path, and a clean shared path apart from a conflicting one', () => {
    const both = {
      ...candidate,
      shared: ['x.ts', 'y.ts'],
      owned: [{ path: 'src/a/intrude.txt', by: 'b', owner: 'a' }],
    };
    expect(
      classify(both, ['x.ts'], features).map(({ key, kind, paths, second }) => ({
        key,
        kind,
        paths,
        second,
      })),
    ).toEqual([
      { key: 'a+b', kind: 'conflict', paths: ['x.ts'], second: 'b' },
      { key: 'a+b:overlap', kind: 'overlap', paths: ['y.ts'], second: 'a' },
      { key: 'a+b:owned', kind: 'owned', paths: ['src/a/intrude.txt'], second: 'b' },
    ]);
  });
});

describe('diffCollisions', () => {
  const c = (kind: Collision['kind'], paths: string[], key = 'a+b'): Collision => ({
    key,
    features: ['a', 'b'],
    kind,
    paths,
    second: 'b',
  });

  it.each([
    { name: 'new', open: [], now: [c('overlap', ['x'])], detected: 1, resolved: 0 },
    { name: 'unchanged', open: [c('overlap', ['x'])], now: [c('overlap', ['x'])], detected: 0, resolved: 0 },
    { name: 'escalated', open: [c('overlap', ['x'])], now: [c('conflict', ['x'])], detected: 1, resolved: 0 },
    { name: 'grew', open: [c('overlap', ['x'])], now: [c('overlap', ['x', 'y'])], detected: 1, resolved: 0 },
    { name: 'gone', open: [c('overlap', ['x'])], now: [], detected: 0, resolved: 1 },
  ])('$name: $detected detected, $resolved resolved', ({ open, now, detected, resolved }) => {
    const d = diffCollisions(new Map(open.map((x) => [x.key, x])), now);
    expect([d.detected.length, d.resolved.length]).toEqual([detected, resolved]);
  });
});
