// Written by Baton's scripted demo agent; the sample contract's `tests` criterion runs it with `node --test`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greet } from '../../src/example/example.mjs';

test('greet names who it greets', () => {
  assert.equal(greet('Baton'), 'Hello, Baton!');
});
