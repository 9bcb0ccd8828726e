/** `chosenConcurrency`: what a resume carries over of the concurrency a `run.started` recorded. */
import { describe, expect, it } from 'vitest';
import { chosenConcurrency } from '../../src/log/concurrency.js';

describe('chosenConcurrency', () => {
  it('reads a line without concurrency_chosen (before 2026-12-07) as chosen only when it is not the run’s unit count', () => {
    const line = (concurrency: number, attempts?: Record<string, number>) => ({
      concurrency,
      feature_ids: ['a', 'b'],
      ...(attempts ? { attempts } : {}),
    });
    expect(chosenConcurrency(line(2))).toBeUndefined();
    expect(chosenConcurrency(line(1))).toBe(1);
    expect(chosenConcurrency(line(3))).toBe(3);
    expect(chosenConcurrency(line(4, { a: 3 }))).toBeUndefined();
    expect(chosenConcurrency(line(2, { a: 3 }))).toBe(2);
    expect(chosenConcurrency({ ...line(2), concurrency_chosen: true })).toBe(2);
    expect(chosenConcurrency({ ...line(1), concurrency_chosen: false })).toBeUndefined();
    expect(chosenConcurrency({ ...line(0), concurrency_chosen: true })).toBeUndefined();
  });
});
