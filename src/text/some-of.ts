/** The first `max` of `items` joined with ", ", then " and N more" for the rest: `a, b, c and 4 more` (pure). */
export function someOf(items: readonly string[], max: number): string {
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  return `${items.slice(0, max).join(', ')}${more}`;
}
