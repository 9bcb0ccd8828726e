/**
 * One change the repository guard found, and its words (pure): the line every output shows for it.
 * Texts from the repository (a reflog or stash message) are untrusted: shown with control characters
 * escaped and cut to a line.
 */
import { printableArg } from '../agents/shell-words.js';
import { escapeControl } from '../text/escape.js';
import { clipLine } from '../text/one-line.js';
import { shellQuote } from '../text/shell-quote.js';

/** One change found between two snapshots. */
export interface RepoChange {
  kind: 'config' | 'ref' | 'file' | 'stash';
  /**
   * The config key (`core.hookspath`), the ref (`refs/heads/main`, `HEAD`), the file
   * (`hooks/post-commit`) or the stash entry's commit.
   */
  name: string;
  /** Its value (a stash entry's: its message), undefined when it did not exist. */
  before: string | undefined;
  after: string | undefined;
  /** A moved ref's or HEAD's last reflog message (`commit: my own work`), as git wrote it. */
  reflog?: string;
}

/** How long a message from the repository is shown. */
const MESSAGE_MAX = 100;
/** A stash message is cut later: it is also what the restore command stores. */
const STASH_MESSAGE_MAX = 200;

/** A ref's value: a symbolic target (HEAD's `refs/heads/main`) whole, a commit id short. */
function refValue(value: string): string {
  return value.startsWith('refs/') ? value : value.slice(0, 8);
}

/** A stash entry's change: a removed one with the command that stores it back. */
function describeStash(c: RepoChange): string {
  if (c.before === undefined) return `stash entry added (${c.name.slice(0, 8)})`;
  const message = clipLine(escapeControl(c.before), STASH_MESSAGE_MAX);
  if (c.after === undefined)
    return `stash entry removed: ${message} (restore with: git stash store -m ${shellQuote(message)} ${c.name})`;
  return `stash entry ${c.name.slice(0, 8)} changed`;
}

/** A ref's change; a move with its reflog message, which tells the user's own actions apart. */
function describeRef(c: RepoChange): string {
  if (c.before === undefined) return `ref ${c.name} created`;
  if (c.after === undefined) {
    // The value it had is the only way back to it once it is gone: its commit, with the command.
    if (c.before.startsWith('refs/')) return `ref ${c.name} deleted (was ${c.before})`;
    return `ref ${c.name} deleted (was ${c.before.slice(0, 8)}; restore with: git update-ref ${printableArg(c.name)} ${c.before})`;
  }
  const why = c.reflog ? ` (${clipLine(escapeControl(c.reflog), MESSAGE_MAX)})` : '';
  const move = `${refValue(c.before)} → ${refValue(c.after)}${why}`;
  return c.name === 'HEAD' ? `HEAD: ${move}` : `ref ${c.name} moved ${move}`;
}

/** A change in words: `git config core.hookspath set to "/tmp/x"`, `ref refs/heads/main moved …`. */
export function describeChange(c: RepoChange): string {
  if (c.kind === 'config') {
    if (c.before === undefined) return `git config ${c.name} added (${JSON.stringify(c.after)})`;
    if (c.after === undefined) return `git config ${c.name} removed`;
    return `git config ${c.name} changed to ${JSON.stringify(c.after)}`;
  }
  if (c.kind === 'file') {
    if (c.before === undefined) return `git file ${c.name} added (mode ${c.after?.split(' ')[0] ?? '?'})`;
    if (c.after === undefined) return `git file ${c.name} removed`;
    return `git file ${c.name} changed`;
  }
  return c.kind === 'stash' ? describeStash(c) : describeRef(c);
}
