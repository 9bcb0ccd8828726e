/** Edit distance between two strings (insertions, deletions, substitutions), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, if close enough to be a plausible typo: within `maxDistance` edits
 * (a number, or one per candidate; default: a third of the word's length, at least 2), or a misspelt
 * short form of it (`dependz` → `depends_on`), or (with the default distance) an abbreviation of it
 * (`cmd` → `command`).
 */
export function closestName(
  word: string,
  candidates: readonly string[],
  maxDistance?: number | ((candidate: string) => number),
): string | undefined {
  const w = word.toLowerCase();
  const fallback = Math.max(2, Math.ceil(w.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const c of candidates) {
    const limit = typeof maxDistance === 'function' ? maxDistance(c) : (maxDistance ?? fallback);
    const lower = c.toLowerCase();
    let distance = editDistance(w, lower);
    // A short form ("estimate" for "estimate_minutes") is as good as one edit away.
    if (distance > limit && w.length >= 4 && lower.length > w.length) {
      if (editDistance(w, lower.slice(0, w.length)) <= 1) distance = limit;
    }
    // So is an abbreviation: the candidate's first letter, then some of its letters in order ("cmd").
    if (distance > limit && maxDistance === undefined && abbreviates(w, lower)) distance = limit;
    if (distance <= limit && (!best || distance < best.distance)) best = { name: c, distance };
  }
  return best?.name;
}

/** Whether `word` (3 letters or more) abbreviates `name`: same first letter, its letters in order in `name`. */
function abbreviates(word: string, name: string): boolean {
  if (word.length < 3 || name.length <= word.length || name.length > word.length * 3 || word[0] !== name[0])
    return false;
  let at = 0;
  for (const ch of word) {
    at = name.indexOf(ch, at) + 1;
    if (at === 0) return false;
  }
  return true;
}
