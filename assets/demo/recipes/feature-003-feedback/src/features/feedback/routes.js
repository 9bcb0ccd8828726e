import { sendJson } from '../../http.js';
import { getSubmission } from '../../store.js';
import { feedbackFor } from './feedback.js';

export const routes = [
  {
    method: 'GET',
    path: '/submissions/:id/feedback',
    handler(_req, res, { id }) {
      const submission = getSubmission(id);
      if (!submission) return sendJson(res, 404, { error: `no submission ${id}` });
      if (!submission.grade) return sendJson(res, 409, { error: `submission ${id} is not graded yet` });
      sendJson(res, 200, {
        id,
        student: submission.student,
        ...submission.grade,
        ...feedbackFor(submission.grade),
      });
    },
  },
];
