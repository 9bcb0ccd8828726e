/**
 * The order integration merges in and what a left-out feature takes with it: pure functions of the
 * plan, so `integrate` and its tests share them.
 */
import type { Plan } from './types.js';

/** Selected ids in plan order, split into those with a branch and those without (pure). */
export function orderForIntegration(
  plan: Plan,
  selected: readonly string[] | undefined,
  hasBranch: (id: string) => boolean,
): { order: string[]; notRun: string[] } {
  const wanted = selected === undefined ? undefined : new Set(selected);
  const ids = plan.order.filter((id) => wanted === undefined || wanted.has(id));
  return { order: ids.filter(hasBranch), notRun: ids.filter((id) => !hasBranch(id)) };
}

/** Features in `among` that depend on `id`, directly or through others, in `among`'s order (pure). */
export function dependentsOf(plan: Plan, id: string, among: readonly string[]): string[] {
  const out = new Set<string>();
  let frontier = [id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const f of among) {
      if (out.has(f) || f === id) continue;
      const deps = plan.byId.get(f)?.depends_on.features ?? [];
      if (frontier.some((x) => deps.includes(x))) {
        out.add(f);
        next.push(f);
      }
    }
    frontier = next;
  }
  return among.filter((f) => out.has(f));
}
