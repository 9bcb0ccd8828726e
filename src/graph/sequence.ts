/** The result of ordering a dependency graph. */
export interface Sequence<T> {
  /** True when the graph has no cycle. */
  safe: boolean;
  /** Parallel waves: every node depends only on nodes of earlier chunks (a cycle's members share one chunk). */
  chunks: T[][];
  /** Each cycle as a path `[a, b, c]` meaning a depends on b, b on c, and c on a; starting at its smallest node. */
  cycles: T[][];
}

/** Code-unit order of strings (not the locale's): the tie-break of plans and of their waves. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders a graph given as node → the nodes it depends on (pure; dependencies outside the graph are ignored).
 * Strongly connected components are found first, so a cycle never hides the rest of the order.
 */
export function sequenceGraph<T>(
  graph: ReadonlyMap<T, readonly T[]>,
  compare: (a: T, b: T) => number,
): Sequence<T> {
  const nodes = [...graph.keys()].sort(compare);
  const deps = new Map<T, T[]>();
  for (const node of nodes) {
    const own = [...new Set(graph.get(node) ?? [])].filter((d) => graph.has(d)).sort(compare);
    deps.set(node, own);
  }

  const components = findComponents(nodes, deps);
  const componentOf = new Map<T, number>();
  components.forEach((members, i) => {
    for (const m of members) componentOf.set(m, i);
  });

  // Kahn's algorithm by levels over the condensation (a DAG by construction).
  const waiting = components.map(() => 0);
  const dependents = components.map((): number[] => []);
  components.forEach((members, i) => {
    const before = new Set<number>();
    for (const m of members) {
      for (const d of deps.get(m) ?? []) {
        const j = componentOf.get(d) ?? i;
        if (j !== i) before.add(j);
      }
    }
    waiting[i] = before.size;
    for (const j of before) dependents[j]?.push(i);
  });
  const chunks: T[][] = [];
  let ready = components.map((_, i) => i).filter((i) => waiting[i] === 0);
  while (ready.length > 0) {
    chunks.push(ready.flatMap((i) => components[i] ?? []).sort(compare));
    const next: number[] = [];
    for (const i of ready) {
      for (const j of dependents[i] ?? []) {
        waiting[j] = (waiting[j] ?? 0) - 1;
        if (waiting[j] === 0) next.push(j);
      }
    }
    ready = next;
  }

  const cycles: T[][] = [];
  for (const members of components) {
    const first = members[0];
    if (first === undefined) continue;
    const selfLoop = members.length === 1 && (deps.get(first) ?? []).includes(first);
    if (members.length > 1 || selfLoop) cycles.push(traceCycle(members, deps, compare));
  }
  cycles.sort((a, b) => compare(a[0] as T, b[0] as T));
  return { safe: cycles.length === 0, chunks, cycles };
}

/** Tarjan's strongly connected components, iteratively (deep chains must not overflow the stack). */
function findComponents<T>(nodes: readonly T[], deps: ReadonlyMap<T, readonly T[]>): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const components: T[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: T; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter++;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: T; next: number };
      const out = deps.get(frame.node) ?? [];
      if (frame.next < out.length) {
        const d = out[frame.next++] as T;
        if (!index.has(d)) {
          index.set(d, counter);
          low.set(d, counter);
          counter++;
          stack.push(d);
          onStack.add(d);
          work.push({ node: d, next: 0 });
        } else if (onStack.has(d)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(d) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const members: T[] = [];
        let m: T | undefined;
        do {
          m = stack.pop() as T;
          onStack.delete(m);
          members.push(m);
        } while (m !== frame.node);
        components.push(members);
      }
    }
  }
  return components;
}

/** The shortest cycle through the smallest member of a component, following dependencies. */
function traceCycle<T>(
  members: readonly T[],
  deps: ReadonlyMap<T, readonly T[]>,
  compare: (a: T, b: T) => number,
): T[] {
  const inside = new Set(members);
  const start = [...members].sort(compare)[0] as T;
  const parent = new Map<T, T>();
  const queue: T[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as T;
    for (const d of deps.get(node) ?? []) {
      if (!inside.has(d)) continue;
      if (d === start) {
        const path = [node];
        for (let p = parent.get(node); p !== undefined; p = parent.get(p)) path.push(p);
        return path.reverse();
      }
      if (!parent.has(d)) {
        parent.set(d, node);
        queue.push(d);
      }
    }
  }
  return [start];
}
