/**
 * `status --watch` after its first table: following the log until Ctrl-C, printing the lines it
 * skipped, and riding out a log that becomes unusable while watched.
 */
import { formatUserError, UserError } from '../errors.js';
import type { watchLog as WatchLog } from '../log/tail.js';
import { escapeControl } from '../text/escape.js';
import type { CliContext } from './context.js';
import { untilInterrupted } from './interrupt.js';
import type { LiveView } from './live-view.js';

/** What the watch needs from `status`: where to write, the log, the view and how to redraw it. */
export interface StatusWatch {
  ctx: CliContext;
  watchLog: typeof WatchLog;
  logPath: string;
  view: LiveView | undefined;
  render: () => void;
  /** Whether an open run's orchestrator is gone since the last redraw (asked off a terminal). */
  deadRunOpen: () => boolean;
}

/**
 * A log that becomes unusable while watched (a directory, FIFO or symlink in its place) is a problem to
 * show, not the end of the watch: the table keeps what was read, one line says why nothing more is,
 * and the next read once the log is a regular file again starts it over (another file: the tailer resets).
 * `pull` returns the read's `advanced` and, when the log's usability changed, the line to print.
 */
function unusableWatch(): { pull(read: () => boolean): { advanced: boolean; news?: string } } {
  let shown: string | undefined;
  return {
    pull(read) {
      try {
        const advanced = read();
        const news = shown === undefined ? undefined : 'baton: the log is usable again; still watching';
        shown = undefined;
        return { advanced: advanced || news !== undefined, ...(news ? { news } : {}) };
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const line = `baton: ${escapeControl(formatUserError(err))}; still watching (the table shows the log as last read)`;
        const news = line === shown ? undefined : line;
        shown = line;
        return { advanced: false, ...(news ? { news } : {}) };
      }
    },
  };
}

/**
 * Reads the log (`pull`, which returns whether anything was read; `takeSkipped` then gives the lines about
 * the log lines it skipped)
 * whenever it may have changed, printing those lines and redrawing, and on a terminal redraws once a
 * second for the elapsed times, until Ctrl-C; then stops watching and closes the view.
 */
export async function followUntilInterrupt(
  watch: StatusWatch,
  pull: () => boolean,
  takeSkipped: () => string[],
): Promise<void> {
  const { ctx, view, render } = watch;
  const unusable = unusableWatch();
  const onNews = () => {
    const { advanced, news } = unusable.pull(pull);
    const lines = [...(news === undefined ? [] : [news]), ...takeSkipped()];
    // On a terminal the frame is taken off the screen first, so the next redraw erases the right rows.
    const say = () => {
      for (const line of lines) ctx.stderr.write(`${line}\n`);
    };
    if (lines.length > 0) view ? view.interject(say) : say();
    if (advanced) render();
  };
  const stopWatching = watch.watchLog(watch.logPath, onNews, { intervalMs: 500, keepAlive: true });
  // On a terminal the elapsed times tick once a second even when nothing was appended. Elsewhere
  // (a pipe, a script, an editor's panel) a table is printed only when something changed: a run whose
  // orchestrator died (kill -9) appends nothing, so who is alive is asked every 2 s.
  const ticker =
    ctx.stdout.isTTY === true
      ? setInterval(render, 1000)
      : setInterval(() => {
          if (watch.deadRunOpen()) render();
        }, 2000);
  await untilInterrupted(ctx);
  stopWatching();
  clearInterval(ticker);
  view?.done();
}
