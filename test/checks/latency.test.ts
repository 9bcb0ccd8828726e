import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from '../../src/checks/latency.js';

describe('percentile (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    { samples: [], p: 50, expected: undefined },
    { samples: [42], p: 50, expected: 42 },
    { samples: [42], p: 99, expected: 42 },
    { samples: ten, p: 50, expected: 5 },
    { samples: ten, p: 95, expected: 10 },
    { samples: ten, p: 90, expected: 9 },
    { samples: ten, p: 100, expected: 10 },
    { samples: ten, p: 1, expected: 1 },
    { samples: hundred, p: 50, expected: 50 },
    { samples: hundred, p: 95, expected: 95 },
    { samples: hundred, p: 99, expected: 99 },
    { samples: [1, 2], p: 50, expected: 1 },
    { samples: [1, 2], p: 51, expected: 2 },
  ])('p$p of $samples.length samples is $expected', ({ samples, p, expected }) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  it('rejects a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('sorts the samples it is given and counts the error rate', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // descending 100..1
    expect(summarizeLatencies(samples, 100, 5)).toEqual({
      requests: 100,
      errors: 5,
      error_rate: 0.05,
      unanswered: 0,
      p50_ms: 50,
      p95_ms: 95,
      p99_ms: 99,
    });
  });

  it('has no percentiles without responses, and a zero rate without requests', () => {
    expect(summarizeLatencies([], 0, 0)).toEqual({
      requests: 0,
      errors: 0,
      error_rate: 0,
      unanswered: 0,
      p50_ms: undefined,
      p95_ms: undefined,
      p99_ms: undefined,
    });
    expect(summarizeLatencies([], 10, 10).error_rate).toBe(1);
  });

  it('does not reorder the caller’s array', () => {
    const samples = [3, 1, 2];
    summarizeLatencies(samples, 3, 0);
    expect(samples).toEqual([3, 1, 2]);
  });
});
