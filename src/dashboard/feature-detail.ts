import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { readContractFile } from '../contracts/load.js';
import type { FeatureState } from '../log/fold.js';
import { featureAgentLog, stateDirFor } from '../log/paths.js';
import { dropCutLine, readRegularTail } from '../open-regular.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';
import { stripTerminalSequences } from '../text/terminal-sequences.js';
import type { SentEvent } from './view.js';

/** The tail of a text file: its last lines, and whether earlier ones were left out. */
export interface FileTail {
  file: string;
  lines: string[];
  truncated: boolean;
  /** The file could not be read (not written yet, or removed). */
  missing?: boolean;
}

/** Everything the detail panel shows about one feature. */
export interface FeatureDetail {
  feature: FeatureState;
  contract: { file: string; text: string; truncated: boolean } | null;
  events: SentEvent[];
  agent_log: FileTail | null;
}

/** How much of a file is read for its tail: agent logs can be huge and only the end matters. */
const TAIL_BYTES = 256 * 1024;
/** Contracts are small (the loader takes up to 1 MiB); anything larger is shown cut. */
const CONTRACT_BYTES = 256 * 1024;

/**
 * Gathers a feature's detail. Only two files are read: the contract the plan names (as the loader reads
 * it: none when it became a link out of the repository since the plan loaded) and the agent log at the
 * place Baton writes it for this feature's run (`agentLogPath`) — never a path a client sent or a line
 * of the log named (the log is a file anyone can append to).
 */
export function readFeatureDetail(options: {
  root: string;
  feature: FeatureState;
  contractFile: string | undefined;
  events: SentEvent[];
  maxLines?: number;
}): FeatureDetail {
  const { root, feature } = options;
  let contract: FeatureDetail['contract'] = null;
  if (options.contractFile !== undefined) {
    const read = readContractFile(root, resolve(root, options.contractFile));
    if (read.ok) contract = { file: options.contractFile, ...cutBytes(read.text, CONTRACT_BYTES) };
  }
  let agentLog: FileTail | null = null;
  const path = featureAgentLog(root, feature);
  if (path) agentLog = { ...readAgentLog(root, path, options.maxLines ?? 200), file: relative(root, path) };
  return { feature, contract, events: options.events, agent_log: agentLog };
}

/**
 * The tail of an agent log at `path` (an `agentLogPath`), read only when the folder holding it really is
 * inside the real `<root>/.baton/runs/` (wherever a `.baton` the user linked to another disk leads): a
 * folder below `runs` that is a symlink leading out of it reads as missing, as does a symlink in the
 * file's place (`readTail` opens it without following one).
 */
export function readAgentLog(root: string, path: string, maxLines?: number): FileTail {
  const runs = realNearest(join(stateDirFor(resolve(root)), 'runs'));
  const folder = realFolder(path);
  if (folder === undefined || folder === runs || !isInside(runs, folder))
    return { file: path, lines: [], truncated: false, missing: true };
  return { ...readTail(join(folder, basename(path)), maxLines), file: path };
}

/** The real path of the folder holding `path`, or undefined when it does not exist. */
function realFolder(path: string): string | undefined {
  try {
    return realpathSync(dirname(path));
  } catch {
    return undefined;
  }
}

/**
 * Reads the last `maxLines` lines of a file from its last 256 KiB (`readRegularTail`: no symlink
 * followed, no FIFO waited on), without terminal escape codes.
 */
export function readTail(path: string, maxLines = 200): FileTail {
  const tail = readRegularTail(path, TAIL_BYTES);
  if (tail === undefined) return { file: path, lines: [], truncated: false, missing: true };
  const lines = dropCutLine(tail).replace(/\n$/, '').split('\n').map(cleanLine);
  const truncated = !tail.whole || lines.length > maxLines;
  return { file: path, lines: lines.slice(-maxLines), truncated };
}

/** `text` cut to its first `max` UTF-8 bytes, and whether it was. */
function cutBytes(text: string, max: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > max
    ? { text: bytes.subarray(0, max).toString('utf8'), truncated: true }
    : { text, truncated: false };
}

/** A log line as a terminal would leave it: escape codes dropped, only the text after the last `\r`. */
function cleanLine(line: string): string {
  const noAnsi = stripTerminalSequences(line);
  const cr = noAnsi.lastIndexOf('\r', noAnsi.length - 2);
  return (cr === -1 ? noAnsi : noAnsi.slice(cr + 1)).replace(/\r$/, '');
}
