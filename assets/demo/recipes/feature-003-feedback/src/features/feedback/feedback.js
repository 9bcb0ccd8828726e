// Feature 003 — Feedback: turns a grade into a percentage, a letter and a sentence.

/** Feedback for a grade { score, total }. */
export function feedbackFor({ score, total }) {
  const percent = total === 0 ? 0 : Math.round((score / total) * 100);
  const letter = percent >= 90 ? 'A' : percent >= 80 ? 'B' : percent >= 70 ? 'C' : percent >= 60 ? 'D' : 'F';
  const message =
    percent === 100
      ? 'Perfect: every answer is right.'
      : percent >= 60
        ? `Passed with ${score} of ${total}; review the ones you missed.`
        : `Not yet: ${score} of ${total}. Revisit the material and resubmit.`;
  return { percent, letter, message };
}
