import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedbackFor } from '../src/features/feedback/feedback.js';
import { addSubmission, resetStore, setGrade } from '../src/store.js';
import { request, startApp } from './helpers.js';

test('feedbackFor gives a percentage, a letter and a sentence', () => {
  assert.deepEqual(feedbackFor({ score: 2, total: 2 }), {
    percent: 100,
    letter: 'A',
    message: 'Perfect: every answer is right.',
  });
  assert.equal(feedbackFor({ score: 1, total: 4 }).letter, 'F');
  assert.equal(feedbackFor({ score: 0, total: 0 }).percent, 0);
});

test('GET /submissions/:id/feedback answers 409 before grading and the feedback after', async () => {
  resetStore();
  const { id } = addSubmission({ student: 'ada', assignment: 'hw1', answers: ['4'] });
  const app = await startApp();
  try {
    assert.equal((await request(`${app.base}/submissions/${id}/feedback`)).status, 409);
    setGrade(id, { score: 1, total: 1 });
    const body = await (await request(`${app.base}/submissions/${id}/feedback`)).json();
    assert.equal(body.letter, 'A');
  } finally {
    await app.close();
  }
});
