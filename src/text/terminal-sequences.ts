/**
 * The escape sequences programs print for terminals, as text meant for a person rather than a terminal
 * drops them (pure).
 */

const ESC = String.fromCharCode(0x1b);

/**
 * CSI sequences (colours, cursor moves: `ESC [`, parameters, intermediates, one final byte) and OSC ones
 * (titles, links: `ESC ]` up to BEL or `ESC \`). Narrower than Node's `stripVTControlCharacters`, which
 * also reads a text up to a BEL as one sequence and so would drop the word of `ESC[31mWrite BEL`.
 */
const SEQUENCE = new RegExp(
  `${ESC}\\[[0-9;?]*[ -/]*[@-~]|${ESC}\\][^${ESC}\\u0007]*(?:\\u0007|${ESC}\\\\)`,
  'g',
);

/** `text` without its terminal escape sequences; any other control character is left for the caller. */
export function stripTerminalSequences(text: string): string {
  return text.replace(SEQUENCE, '');
}
