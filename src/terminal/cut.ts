/**
 * Cutting coloured lines to the terminal's width, for the live views only: slice-ansi (and its width
 * tables) is loaded on the first line too long to show, so a command that only imports a live view
 * (`run` on a pipe) never loads it.
 */
import { createRequire } from 'node:module';
import { ANSI } from './style.js';

/** How many terminal columns a line takes (colour codes take none; one per code point otherwise). */
export function visibleWidth(line: string): number {
  return [...line.replace(ANSI, '')].length;
}

/** slice-ansi, loaded when first needed. */
let sliceAnsi: typeof import('slice-ansi').default | undefined;

/** Cuts a line to `columns` terminal columns, ending in `…` when it was longer; colour codes are kept closed. */
export function cutToWidth(line: string, columns: number): string {
  if (columns <= 0 || visibleWidth(line) <= columns) return line;
  sliceAnsi ??= (createRequire(import.meta.url)('slice-ansi') as typeof import('slice-ansi')).default;
  return `${sliceAnsi(line, 0, Math.max(0, columns - 1))}…`;
}
