/**
 * Cutting coloured lines to the terminal's width, for the live views only: slice-ansi (and its width
 * tables) is loaded by the commands that redraw in place, not by every command that prints a table.
 */
import sliceAnsi from 'slice-ansi';
import { ANSI } from './style.js';

/** How many terminal columns a line takes (colour codes take none; one per code point otherwise). */
export function visibleWidth(line: string): number {
  return [...line.replace(ANSI, '')].length;
}

/** Cuts a line to `columns` terminal columns, ending in `…` when it was longer; colour codes are kept closed. */
export function cutToWidth(line: string, columns: number): string {
  if (columns <= 0 || visibleWidth(line) <= columns) return line;
  return `${sliceAnsi(line, 0, Math.max(0, columns - 1))}…`;
}
