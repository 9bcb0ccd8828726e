import type { Document, Node, YAMLError } from 'yaml';
import { yaml } from '../text/yaml.js';

/**
 * Where the flow collection (`[`, `{`) or quoted string an error says was never closed was opened: the
 * library reports such an error where it noticed, on the next line, which is not where the mistake is.
 * Undefined for any other error, or when no such opening precedes it; `taken` holds the openings
 * earlier errors were placed at.
 */
export function openedAt(
  doc: Document,
  text: string,
  error: YAMLError,
  taken: Set<number>,
): number | undefined {
  const closer = /end with an? ([\]}])/.exec(error.message)?.[1];
  const quote =
    error.code === 'MISSING_CHAR' ? /^Missing closing (["'])quote/.exec(error.message)?.[1] : undefined;
  if (closer === undefined && quote === undefined) return undefined;
  const { isMap, isScalar, isSeq, visit } = yaml();
  let opened: number | undefined;
  visit(doc, (_key, node) => {
    const range = (node as Node | null)?.range;
    if (!range || range[0] >= error.pos[0]) return;
    const written = text.slice(range[0], range[1]).trimEnd();
    const unclosed =
      closer !== undefined
        ? (closer === ']' ? isSeq(node) : isMap(node)) &&
          (node as { flow?: boolean }).flow === true &&
          !written.endsWith(closer)
        : isScalar(node) &&
          node.type === (quote === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE') &&
          (written.length < 2 || !written.endsWith(quote as string));
    // The innermost not told yet: nested unclosed ones get an error each, at the end of them all.
    if (unclosed && !taken.has(range[0]) && (opened === undefined || range[0] > opened)) opened = range[0];
  });
  if (opened !== undefined) taken.add(opened);
  return opened;
}
