// The dashboard follows the log with the one tailer in log/tail.ts; server.ts imports it from here.
export { type WatchLogOptions, watchLog } from '../log/tail.js';
