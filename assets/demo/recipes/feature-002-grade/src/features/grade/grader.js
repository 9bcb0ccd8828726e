// Feature 002 — Grade: compares answers with an answer key.

const normalise = (s) => String(s).trim().toLowerCase();

/** Grades answers against a key: one point per matching answer (case and spaces ignored). */
export function gradeAnswers(answers, key) {
  const results = key.map(
    (expected, i) => answers[i] !== undefined && normalise(answers[i]) === normalise(expected),
  );
  return { score: results.filter(Boolean).length, total: key.length, results };
}
