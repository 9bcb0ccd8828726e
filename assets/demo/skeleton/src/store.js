// The shared Submission store: the one interface every feature builds against.
// Submission(id, student, assignment, answers, grade) — grade is null until graded.

const submissions = new Map();
let nextId = 1;

/** Stores a new submission and returns it. */
export function addSubmission({ student, assignment, answers }) {
  const submission = { id: String(nextId++), student, assignment, answers, grade: null };
  submissions.set(submission.id, submission);
  return submission;
}

/** The submission with this id, or undefined. */
export function getSubmission(id) {
  return submissions.get(id);
}

/** Every submission, oldest first. */
export function listSubmissions() {
  return [...submissions.values()];
}

/** Records a grade ({ score, total }) on a submission. */
export function setGrade(id, grade) {
  const submission = submissions.get(id);
  if (submission) submission.grade = grade;
  return submission;
}

/** Empties the store (tests). */
export function resetStore() {
  submissions.clear();
  nextId = 1;
}
