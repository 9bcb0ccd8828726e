import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Just enough of a DOM for the board's cards (no layout): elements with children, text and attributes. */
class FakeNode {
  parentElement: FakeNode | undefined;
  childNodes: FakeNode[] = [];
  dataset: Record<string, string> = {};
  attributes: Record<string, string> = {};
  textContent = '';
  hidden = false;
  title = '';
  constructor(readonly tag: string) {}
  get children(): FakeNode[] {
    return this.childNodes;
  }
  setAttribute(name: string, value: string): void {
    this.attributes[name] = value;
    if (name.startsWith('data-'))
      this.dataset[name.slice(5).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  addEventListener(): void {}
  append(...nodes: FakeNode[]): void {
    for (const n of nodes) this.insertBefore(n, null);
  }
  replaceChildren(...nodes: FakeNode[]): void {
    this.childNodes = [];
    this.append(...nodes);
  }
  insertBefore(node: FakeNode, next: FakeNode | null): void {
    const moved = node.tag === '#fragment' ? [...node.childNodes] : [node];
    if (node.tag === '#fragment') node.childNodes = [];
    for (const n of moved) {
      if (n.parentElement) n.parentElement.childNodes.splice(n.parentElement.childNodes.indexOf(n), 1);
      const at = next ? this.childNodes.indexOf(next) : this.childNodes.length;
      this.childNodes.splice(at, 0, n);
      n.parentElement = this;
    }
  }
}

const globals = globalThis as Record<string, unknown>;
beforeAll(() => {
  globals.Node = FakeNode;
  globals.document = {
    createElement: (tag: string) => new FakeNode(tag),
    createTextNode: (text: string) => Object.assign(new FakeNode('#text'), { textContent: text }),
    createDocumentFragment: () => new FakeNode('#fragment'),
  };
});
afterAll(() => {
  delete globals.Node;
  delete globals.document;
});

interface Board {
  reset(model: unknown): void;
  update(model: unknown, ids: string[]): void;
}

/** The page's own board module (plain JavaScript, untyped). */
async function loadBoard(): Promise<{ createBoard(root: FakeNode, o: { onSelect(): void }): Board }> {
  return import(new URL('../../assets/dashboard/board.js', import.meta.url).href);
}

function modelOf(planIds: string[], counter: { ranks: number }) {
  const ranks = new Map(planIds.map((id, i) => [id, i]));
  return {
    columns: { pending: ['pending'], running: ['running'], complete: ['complete'] },
    projectById: new Map(),
    features: new Map<string, { feature_id: string; status: string }>(),
    now: () => 0,
    rank(id: string) {
      counter.ranks++;
      return ranks.get(id) ?? ranks.size + 1;
    },
  };
}

describe('the board places cards', () => {
  it('in plan order, then in order of arrival, as they move between columns', async () => {
    const { createBoard } = await loadBoard();
    const root = new FakeNode('div');
    const board = createBoard(root, { onSelect: () => {} });
    const model = modelOf(['a', 'b', 'c', 'd'], { ranks: 0 });
    model.features.set('b', { feature_id: 'b', status: 'pending' });
    model.features.set('d', { feature_id: 'd', status: 'pending' });
    board.reset(model);
    const column = (i: number) =>
      (root.children[i]?.children[1]?.children ?? []).map((li) => li.dataset.feature);
    for (const [id, status] of [
      ['x', 'pending'],
      ['c', 'pending'],
      ['a', 'pending'],
      ['y', 'pending'],
      ['d', 'running'],
      ['b', 'running'],
      ['d', 'pending'],
    ] as const) {
      model.features.set(id, { feature_id: id, status });
      board.update(model, [id]);
    }
    expect(column(0)).toEqual(['a', 'c', 'd', 'x', 'y']);
    expect(column(1)).toEqual(['b']);
  });

  it('without scanning the column for each new card (3,000 ids outside the plan)', async () => {
    const { createBoard } = await loadBoard();
    const counter = { ranks: 0 };
    const board = createBoard(new FakeNode('div'), { onSelect: () => {} });
    const model = modelOf([], counter);
    board.reset(model);
    const n = 3_000;
    for (let i = 0; i < n; i++) {
      const id = `f-${i}`;
      model.features.set(id, { feature_id: id, status: 'pending' });
      board.update(model, [id]);
    }
    // A scan per card asks for n²/2 ranks (4.5 million here); a search asks for a few per card.
    expect(counter.ranks).toBeLessThan(20 * n);
  });
});
