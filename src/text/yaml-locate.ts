import type { Document, Node } from 'yaml';
import { yaml } from './yaml.js';

/**
 * Where the deepest node along `path` (keys, and list indexes as numbers) is written in a parsed YAML
 * document, walked from its root: the offset of the key of each mapping entry, or of each list item, as
 * far as the path leads (pure). `found` counts the path's segments followed; with none, the offset is the
 * document's start. The one walk behind a contract's and a config's located errors: a key name written
 * at another depth, or inside a block scalar, is never taken for the one the path names.
 */
export function offsetAlong(doc: Document, path: readonly PropertyKey[]): { offset: number; found: number } {
  const { offset, found } = walkAlong(doc, path);
  return { offset, found };
}

/**
 * The source text of the scalar at `path`, as written (`003`, `0x1f`, `true`), when the whole path leads to
 * a plain scalar of the document (pure): what the user wrote, where the parsed value (the number 3) is not.
 * Undefined for a path that leads elsewhere (through an alias or merge key, to a list or mapping).
 */
export function scalarSourceAlong(doc: Document, path: readonly PropertyKey[]): string | undefined {
  const { node, found } = walkAlong(doc, path);
  if (found < path.length || !yaml().isScalar(node)) return undefined;
  return typeof node.source === 'string' ? node.source : undefined;
}

/** The walk behind both: the node reached along `path`, its offset, and how many segments led there. */
function walkAlong(
  doc: Document,
  path: readonly PropertyKey[],
): { node: unknown; offset: number; found: number } {
  const { isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  let found = 0;
  for (const segment of path) {
    if (isMap(node)) {
      // A key YAML reads as a number or a boolean (`1:`) is named by a string in the path.
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
    found++;
  }
  return { node, offset, found };
}
