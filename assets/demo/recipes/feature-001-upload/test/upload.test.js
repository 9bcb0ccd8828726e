import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSubmission } from '../src/features/upload/routes.js';
import { resetStore } from '../src/store.js';
import { request, startApp } from './helpers.js';

test('validateSubmission names the first bad field', () => {
  assert.equal(validateSubmission({ student: 'ada', assignment: 'hw1', answers: ['a'] }), undefined);
  assert.match(validateSubmission({ assignment: 'hw1', answers: [] }), /student/);
  assert.match(validateSubmission({ student: 'ada', assignment: 'hw1', answers: [1] }), /answers/);
});

test('POST /submissions stores a submission that GET returns', async () => {
  resetStore();
  const app = await startApp();
  try {
    const created = await request(`${app.base}/submissions`, {
      method: 'POST',
      body: JSON.stringify({ student: 'ada', assignment: 'hw1', answers: ['4', 'paris'] }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    const got = await (await request(`${app.base}/submissions/${id}`)).json();
    assert.deepEqual(got.answers, ['4', 'paris']);
    assert.equal((await (await request(`${app.base}/submissions`)).json()).length, 1);
    assert.equal((await request(`${app.base}/submissions/999`)).status, 404);
    assert.equal((await request(`${app.base}/submissions`, { method: 'POST', body: '{}' })).status, 400);
  } finally {
    await app.close();
  }
});
