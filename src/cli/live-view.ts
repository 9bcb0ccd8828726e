import { createLogUpdate } from 'log-update';
import { cutToWidth } from '../terminal/cut.js';
import type { Output } from './context.js';

/** A block of text kept on screen and redrawn in place: `status --watch` and `run`'s live table draw through it. */
export interface LiveView {
  /** Replaces what is on screen with `text` (on a terminal), or appends it (elsewhere). */
  update(text: string): void;
  /** Prints `text` for good above the frame (a finished check, an ended feature), then redraws the frame. */
  print(text: string): void;
  /** Leaves the last frame on screen and lets later output follow it. */
  done(): void;
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
      done() {},
    };
  }
  const draw = createLogUpdate(out as unknown as NodeJS.WriteStream, {
    defaultWidth: 80,
    defaultHeight: 40,
  });
  // One column is left free: a line that fills the last column leaves some terminals waiting to wrap.
  const width = () => Math.max(20, (out.columns ?? 80) - 1);
  let frame = '';
  const redraw = () =>
    draw(
      frame
        .split('\n')
        .map((l) => cutToWidth(l, width()))
        .join('\n'),
    );
  return {
    update(text) {
      frame = text.replace(/\n$/, '');
      redraw();
    },
    print(text) {
      draw.clear();
      out.write(text.endsWith('\n') ? text : `${text}\n`);
      if (frame) redraw();
    },
    done() {
      draw.done();
    },
  };
}
