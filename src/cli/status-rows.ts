import type { BatonState } from '../log/fold.js';
import { outsideRun } from '../metrics/run-rows.js';
import { escapeControl } from '../text/escape.js';

/** The line under the table naming the features left out of it (`outsideRun`), or ''. */
export function outsideRunNote(state: BatonState): string {
  const outside = outsideRun(state);
  return outside.length ? `events for features not in this run: ${escapeControl(outside.join(', '))}\n` : '';
}
