import type { Document, Node, Pair, YAMLError, YAMLMap } from 'yaml';
import { yaml } from './yaml.js';

/** A key written twice in one mapping: its path (keys, and list indexes as numbers), and the offsets of its first and its second writing. */
export interface DuplicateKey {
  path: Array<string | number>;
  first: number;
  again: number;
}

/**
 * The key a `DUPLICATE_KEY` error of the yaml library (parsed with `uniqueKeys`) is about, found by the
 * error's offset; undefined for any other error. The library says only "Map keys must be unique".
 */
export function duplicateKeyOf(doc: Document, error: YAMLError): DuplicateKey | undefined {
  if (error.code !== 'DUPLICATE_KEY') return undefined;
  const { isMap, isPair, isScalar, isSeq, visit } = yaml();
  const start = (key: unknown) => (key as Node | null)?.range?.[0];
  // A key that is a list or a map is named by its text; one the library cannot write back (a merge of
  // something that is not a map in it) by where it starts.
  const name = (key: unknown) => {
    if (isScalar(key)) return String(key.value);
    try {
      return String(key);
    } catch {
      return `<key at offset ${start(key) ?? '?'}>`;
    }
  };
  let found: DuplicateKey | undefined;
  visit(doc, {
    Pair(_index, pair, path) {
      if (start(pair.key) !== error.pos[0]) return undefined;
      const map = path[path.length - 1];
      const first = isMap(map)
        ? (map as YAMLMap).items.find((p) => p !== pair && name(p.key) === name(pair.key))
        : undefined;
      // `['acceptance_criteria', 1, 'id']`: the keys of the pairs around it, and the index in each list.
      const outer = path.flatMap((n, i): Array<string | number> => {
        if (isPair(n)) return [name((n as Pair).key)];
        return isSeq(n) ? [n.items.indexOf(path[i + 1] as never)] : [];
      });
      found = {
        path: [...outer, name(pair.key)],
        first: start(first?.key) ?? error.pos[0],
        again: error.pos[0],
      };
      return visit.BREAK;
    },
  });
  return found;
}
