/** The terminal's palette, tables, durations and control-character escaping, for every renderer. */
import type { FeatureStatus } from '../log/events.js';
import { CLOCK_BACKWARDS } from '../metrics/intervals.js';
import { escapeControl } from '../text/escape.js';

/** Colour functions that are the identity when colour is off (NO_COLOR, not a TTY). */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

/** A palette for the given colour setting. */
export function palette(color: boolean): Palette {
  if (!color) {
    const id = (s: string) => s;
    return { red: id, green: id, yellow: id, cyan: id, dim: id, bold: id };
  }
  return {
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** Colours a status word by its meaning. */
export function paintStatus(p: Palette, status: FeatureStatus | string): string {
  switch (status) {
    case 'complete':
      return p.green(status);
    case 'failed':
    case 'failed-checks':
    case 'timeout':
      return p.red(status);
    case 'running':
    case 'verifying':
      return p.cyan(status);
    case 'needs-input':
    case 'collision':
    case 'interrupted':
    case 'empty':
      return p.yellow(status);
    default:
      return p.dim(status);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point
export const ANSI = /\x1b\[[0-9;]*m/g;

/** The colour codes `palette` itself writes: the only escape sequences a table cell may carry. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the palette's colour codes is the point
const PALETTE_SGR = /\x1b\[(?:1|2|22|31|32|33|36|39)m/g;

/** Escapes a line's or cell's control characters while keeping the palette's own colour codes. */
export function escapeKeepingPalette(cell: string): string {
  let out = '';
  let last = 0;
  for (const m of cell.matchAll(PALETTE_SGR)) {
    out += escapeControl(cell.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeControl(cell.slice(last));
}

/**
 * Lays rows out in aligned columns (colour codes do not count toward width). Every cell is passed
 * through `escapeControl` (keeping the palette's colours), so ids and reasons read from the log can
 * never move the cursor or retitle the terminal.
 */
export function renderTable(header: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((r) => r.map((c) => escapeKeepingPalette(c)));
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').replace(ANSI, '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - c.replace(ANSI, '').length),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Formats a duration as `4.2 s`, `3m 05s` or `1h 02m`; a negative one is clamped to zero and flagged. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  // A negative span comes from a forged or skewed timestamp: shown as zero, and flagged.
  if (ms < 0) return `0.0 s (${CLOCK_BACKWARDS})`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
