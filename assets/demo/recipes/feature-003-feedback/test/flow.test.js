// The whole method's promise: three features built in parallel work together once integrated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resetStore } from '../src/store.js';
import { request, startApp } from './helpers.js';

test('upload → grade → feedback over HTTP on the integrated app', async () => {
  resetStore();
  const app = await startApp();
  try {
    const post = (path, body) =>
      request(`${app.base}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const { id } = await (
      await post('/submissions', { student: 'ada', assignment: 'hw1', answers: ['4', 'paris', 'blue'] })
    ).json();
    const graded = await (await post(`/submissions/${id}/grade`, { key: ['4', 'Paris', 'red'] })).json();
    assert.equal(graded.score, 2);
    const feedback = await (await request(`${app.base}/submissions/${id}/feedback`)).json();
    assert.equal(feedback.percent, 67);
    assert.equal(feedback.letter, 'D');
  } finally {
    await app.close();
  }
});
