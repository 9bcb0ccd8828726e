// Labelled lines of the heading form, as the method's example writes them: `API: a, b Data Model: c`.

/** A value with its code spans unwrapped: `` `Product` schema (id) `` → `Product schema (id)`. */
export function untick(s: string): string {
  return s.replace(/`([^`]*)`/g, '$1').trim();
}

/**
 * Splits `Label: value Other Label: value` into labelled segments; labels are capitalised words (or
 * one lowercase word at the start) outside code spans and brackets. None when the text has no label.
 */
export function splitLabels(text: string): { label: string; value: string }[] {
  const first = /^\**([A-Za-z][\w -]*?)\**:\s*/.exec(text);
  if (!first) return [];
  const starts: { at: number; label: string; valueAt: number }[] = [
    { at: 0, label: first[1] ?? '', valueAt: first[0].length },
  ];
  const label = /\s((?:[A-Z][A-Za-z]*)(?: [A-Z][A-Za-z]*){0,2}):\s/g;
  const body = maskNested(text);
  for (let m = label.exec(body); m; m = label.exec(body)) {
    if (m.index < first[0].length) continue;
    starts.push({ at: m.index, label: m[1] ?? '', valueAt: m.index + m[0].length });
  }
  return starts.map((s, i) => ({
    label: s.label,
    value: text.slice(s.valueAt, starts[i + 1]?.at ?? text.length).trim(),
  }));
}

/** The text with code spans, brackets and quotes blanked out (same length), so labels inside them are not seen. */
function maskNested(text: string): string {
  let out = '';
  let depth = 0;
  let quote: string | undefined;
  for (const ch of text) {
    const inside = quote !== undefined || depth > 0;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '`' || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    out += inside || quote !== undefined || depth > 0 ? '_' : ch;
  }
  return out;
}
