/** Whether one node depends on another, directly or through others, and whether either does (pure). */
export interface DependencyRelation<T> {
  dependsOn(a: T, b: T): boolean;
  related(a: T, b: T): boolean;
}

/**
 * THE ancestor rule, which the plan's owns overlaps and the coupling analysis both ask (pure): every
 * node's dependencies, direct and indirect. `order` lists each node after its own dependencies (a
 * plan's order, or `sequenceGraph`'s chunks flattened); a dependency outside `order`, or not before its
 * dependent in it (a cycle, which no valid plan has), is ignored. One pass in that order and no
 * recursion, so a chain of thousands of features cannot overflow the stack; each node's ancestors are
 * one bit per earlier node (n²/64 bytes at most, nothing for a node without dependencies), so a chain
 * costs milliseconds where sets of ids cost seconds.
 */
export function dependencyRelation<T>(
  order: readonly T[],
  depsOf: (node: T) => readonly T[],
): DependencyRelation<T> {
  const position = new Map(order.map((node, i) => [node, i]));
  const rows: (Uint32Array | undefined)[] = [];
  order.forEach((node, i) => {
    let row: Uint32Array | undefined;
    for (const dep of depsOf(node)) {
      const j = position.get(dep);
      if (j === undefined || j >= i) continue;
      row ??= new Uint32Array((i + 31) >>> 5);
      setBit(row, j);
      const above = rows[j];
      if (above) for (let w = 0; w < above.length; w++) row[w] = (row[w] as number) | (above[w] as number);
    }
    rows.push(row);
  });
  const dependsOn = (a: T, b: T): boolean => {
    const i = position.get(a);
    const j = position.get(b);
    if (i === undefined || j === undefined || j >= i) return false;
    const row = rows[i];
    return row !== undefined && hasBit(row, j);
  };
  return { dependsOn, related: (a, b) => dependsOn(a, b) || dependsOn(b, a) };
}

/**
 * One node's dependencies, direct and indirect, in any graph (pure): the same rule as
 * `dependencyRelation`, asked of a single node where no plan's order is at hand (an integration's
 * branches). A walk with its own stack, so a long chain cannot overflow; a cycle through `node` stops
 * at it, and `node` is never its own dependency.
 */
export function dependenciesOf<T>(node: T, depsOf: (node: T) => readonly T[]): T[] {
  const found = new Set<T>();
  const stack = [...depsOf(node)];
  while (stack.length > 0) {
    const d = stack.pop() as T;
    if (found.has(d) || d === node) continue;
    found.add(d);
    stack.push(...depsOf(d));
  }
  return [...found];
}

function setBit(row: Uint32Array, bit: number): void {
  const w = bit >>> 5;
  row[w] = (row[w] as number) | (1 << (bit & 31));
}

function hasBit(row: Uint32Array, bit: number): boolean {
  return (((row[bit >>> 5] as number) >>> (bit & 31)) & 1) === 1;
}
