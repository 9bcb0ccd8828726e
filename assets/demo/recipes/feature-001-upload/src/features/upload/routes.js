// Feature 001 — Upload: students submit answers to an assignment.
import { readJson, sendJson } from '../../http.js';
import { addSubmission, getSubmission, listSubmissions } from '../../store.js';

/** Checks a submission body; returns an error message or undefined. */
export function validateSubmission(body) {
  if (!body || typeof body !== 'object') return 'body must be a JSON object';
  if (typeof body.student !== 'string' || body.student.trim() === '')
    return 'student must be a non-empty string';
  if (typeof body.assignment !== 'string' || body.assignment.trim() === '')
    return 'assignment must be a non-empty string';
  if (!Array.isArray(body.answers) || !body.answers.every((a) => typeof a === 'string'))
    return 'answers must be an array of strings';
  return undefined;
}

export const routes = [
  {
    method: 'POST',
    path: '/submissions',
    async handler(req, res) {
      const body = await readJson(req);
      const error = validateSubmission(body);
      if (error) return sendJson(res, 400, { error });
      sendJson(res, 201, addSubmission(body));
    },
  },
  { method: 'GET', path: '/submissions', handler: (_req, res) => sendJson(res, 200, listSubmissions()) },
  {
    method: 'GET',
    path: '/submissions/:id',
    handler(_req, res, { id }) {
      const submission = getSubmission(id);
      if (!submission) return sendJson(res, 404, { error: `no submission ${id}` });
      sendJson(res, 200, submission);
    },
  },
];
