import { createLogUpdate } from 'log-update';
import { cutToWidth } from '../terminal/cut.js';
import type { Output } from './context.js';

/** A block of text kept on screen and redrawn in place: `status --watch` and `run`'s live table draw through it. */
export interface LiveView {
  /** Replaces what is on screen with `text` (on a terminal), or appends it (elsewhere). */
  update(text: string): void;
  /** Prints `text` for good above the frame (a finished check, an ended feature), then redraws the frame. */
  print(text: string): void;
  /**
   * Runs `write`, which prints something else to the terminal (a message on stderr), with the frame taken
   * off the screen first and redrawn under it after: output the view does not know of would move the
   * cursor, and the next redraw would erase the wrong lines, leaving the old frame on screen.
   */
  interject(write: () => void): void;
  /** Leaves the last frame on screen and lets later output follow it. */
  done(): void;
}

/**
 * A frame's lines kept to the terminal's rows, from the top (pure): log-update cuts a frame taller than
 * the screen from its top, and the header and first rows (the run line, the column names) would never
 * be seen, nor scrolled back to. The last row left says how many lines did not fit. One row stays free
 * for the cursor, as log-update keeps it.
 */
export function fitRows(lines: readonly string[], rows: number): string[] {
  const room = Math.max(2, rows - 1);
  if (lines.length <= room) return [...lines];
  const hidden = lines.length - (room - 1);
  return [
    ...lines.slice(0, room - 1),
    `… ${hidden} more line${hidden === 1 ? '' : 's'} (the terminal is too short)`,
  ];
}

/**
 * On a terminal, a view redrawn in place by log-update (which moves the cursor over the previous frame and
 * rewrites only the lines that changed), with every line cut to the terminal's width first: a wrapped line
 * would take two rows and spoil the count of rows to move over. Elsewhere (a pipe, a log file) each frame
 * is appended whole, since nothing can be redrawn.
 */
export function createLiveView(out: Output): LiveView {
  if (!out.isTTY) {
    return {
      update(text) {
        out.write(text.endsWith('\n') ? text : `${text}\n`);
      },
      print(text) {
        out.write(text.endsWith('\n') ? text : `${text}\n`);
      },
      interject(write) {
        write();
      },
      done() {},
    };
  }
  // A terminal that reports no size (0 columns: a serial console, some CI ptys) gets 80×40: log-update
  // would otherwise wrap every line at 0 columns, one character per row.
  const sized = (n: number | undefined, fallback: number) => (n !== undefined && n > 0 ? n : fallback);
  const screen = {
    write: (text: string) => out.write(text),
    isTTY: true,
    get columns() {
      return sized(out.columns, 80);
    },
    get rows() {
      return sized(out.rows, 40);
    },
  };
  const draw = createLogUpdate(screen as unknown as NodeJS.WriteStream);
  // One column is left free: a line that fills the last column leaves some terminals waiting to wrap.
  const width = () => Math.max(20, screen.columns - 1);
  let frame = '';
  const redraw = () =>
    draw(
      fitRows(frame.split('\n'), screen.rows)
        .map((l) => cutToWidth(l, width()))
        .join('\n'),
    );
  const interject = (write: () => void) => {
    draw.clear();
    write();
    if (frame) redraw();
  };
  return {
    update(text) {
      frame = text.replace(/\n$/, '');
      redraw();
    },
    print(text) {
      interject(() => out.write(text.endsWith('\n') ? text : `${text}\n`));
    },
    interject,
    done() {
      draw.done();
    },
  };
}
