import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradeAnswers } from '../src/features/grade/grader.js';
import { addSubmission, getSubmission, resetStore } from '../src/store.js';
import { request, startApp } from './helpers.js';

test('gradeAnswers counts matches, ignoring case and spaces', () => {
  assert.deepEqual(gradeAnswers([' Paris', '4'], ['paris', '5']), {
    score: 1,
    total: 2,
    results: [true, false],
  });
  assert.equal(gradeAnswers([], ['a']).score, 0);
});

test('POST /submissions/:id/grade records the grade on the submission', async () => {
  resetStore();
  const { id } = addSubmission({ student: 'ada', assignment: 'hw1', answers: ['4', 'paris'] });
  const app = await startApp();
  try {
    const r = await request(`${app.base}/submissions/${id}/grade`, {
      method: 'POST',
      body: JSON.stringify({ key: ['4', 'Paris'] }),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { id, score: 2, total: 2 });
    assert.deepEqual(getSubmission(id).grade, { score: 2, total: 2 });
    assert.equal(
      (await request(`${app.base}/submissions/999/grade`, { method: 'POST', body: '{"key":[]}' })).status,
      404,
    );
  } finally {
    await app.close();
  }
});
