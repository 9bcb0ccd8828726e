import { readJson, sendJson } from '../../http.js';
import { getSubmission, setGrade } from '../../store.js';
import { gradeAnswers } from './grader.js';

export const routes = [
  {
    method: 'POST',
    path: '/submissions/:id/grade',
    async handler(req, res, { id }) {
      const submission = getSubmission(id);
      if (!submission) return sendJson(res, 404, { error: `no submission ${id}` });
      const body = await readJson(req);
      if (!body || !Array.isArray(body.key))
        return sendJson(res, 400, { error: 'key must be an array of answers' });
      const { score, total } = gradeAnswers(submission.answers, body.key);
      setGrade(id, { score, total });
      sendJson(res, 200, { id, score, total });
    },
  },
];
