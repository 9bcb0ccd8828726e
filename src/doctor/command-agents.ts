import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import type { AgentSpec } from '../contracts/schema.js';
import { SHORTAGE_HINT, shortageWords } from '../process/spawn-failure.js';
import { newWorktreeHas, type WorktreeSource } from '../runner/worktree-sees.js';
import { someOf } from '../text/some-of.js';
import { check, type DoctorCheck } from './check.js';

/**
 * The shell-command agents (`agent: { command: "…" }`) and the features that run each: a contract's
 * own agent, else the configured default. The default is listed even when no feature uses it yet.
 */
export function commandAgentsInUse(
  features: ReadonlyArray<{ feature_id: string; agent?: AgentSpec }>,
  fallback: AgentSpec,
): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const commandOf = (spec: AgentSpec) =>
    typeof spec === 'object' && 'command' in spec ? spec.command : undefined;
  const fallbackCommand = commandOf(fallback);
  if (fallbackCommand !== undefined) used.set(fallbackCommand, []);
  for (const f of features) {
    const command = commandOf(f.agent ?? fallback);
    if (command !== undefined) used.set(command, [...(used.get(command) ?? []), f.feature_id]);
  }
  return used;
}

/** A word the shell takes as it is: no quotes, expansions or operators in it. */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;
const ASSIGNMENT = /^[A-Za-z_]\w*=/;

/**
 * The program a shell command starts (pure): its first word after any `NAME=value` assignments, or
 * undefined when that word is not plain (quoted, expanded, a subshell): only the shell could say then.
 */
export function programOfCommand(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  const first = words.find((w) => !(ASSIGNMENT.test(w) && PLAIN_WORD.test(w)));
  return first !== undefined && PLAIN_WORD.test(first) ? first : undefined;
}

/** What `sh` said of a program: where it found it, that it did not, or why it could not be asked. */
type ShellAnswer = { found: string | undefined } | { unasked: string; hint?: string };

/**
 * Asks `sh` whether it can start `program` (a builtin, or an executable by path or on PATH), in `cwd`.
 * Only `command -v`'s own "no" is "not found": an `sh` that could not start (EMFILE under a low
 * `ulimit -n`) or did not answer leaves the question open.
 */
function shellFinds(program: string, env: NodeJS.ProcessEnv, cwd: string): Promise<ShellAnswer> {
  return new Promise((done) => {
    execFile(
      'sh',
      ['-c', 'command -v -- "$1"', 'sh', program],
      { cwd, env, timeout: 10_000, encoding: 'utf8' },
      (err, stdout) => {
        if (!err) done({ found: stdout.trim() || program });
        else if (typeof err.code === 'string') {
          const short = shortageWords(err);
          done(short ? { unasked: short, hint: SHORTAGE_HINT } : { unasked: err.message });
        } else if (err.killed) done({ unasked: 'sh did not answer within 10 s' });
        else done({ found: undefined });
      },
    );
  });
}

/**
 * The path, relative to the folder `sh` ran in, of what `command -v` found there: `./agent.sh`,
 * `bin/agent` through a relative PATH entry, or a bare name through an empty one (a bare name is
 * otherwise a builtin). Undefined for an absolute path or a builtin, which every worktree sees alike.
 */
function relativeFind(found: string, cwd: string): string | undefined {
  if (found.startsWith('/')) return undefined;
  if (found.includes('/')) return found;
  return existsSync(join(cwd, found)) ? found : undefined;
}

/**
 * Whether each command agent's program can start, as the run starts it (`sh -c` in the feature's
 * worktree, with this environment): one that cannot fails every feature using it at once, so it is a
 * failure when a feature uses it, a warning otherwise.
 */
export async function checkCommandAgents(
  used: ReadonlyMap<string, readonly string[]>,
  env: NodeJS.ProcessEnv,
  root: string,
  worktree: WorktreeSource,
): Promise<DoctorCheck[]> {
  const asked = new Map<string, Promise<ShellAnswer>>();
  return Promise.all(
    [...used].map(async ([command, features]): Promise<DoctorCheck> => {
      const usedBy = features.length > 0 ? ` — used by ${someOf(features, 3)}` : '';
      const shown = JSON.stringify(command);
      const missing = features.length > 0 ? 'fail' : 'warn';
      const program = programOfCommand(command);
      if (program === undefined) {
        return check(
          'agent command',
          'ok',
          `${shown} (its program is not a plain word: not checked)${usedBy}`,
        );
      }
      // Many commands start the same program (`sh -c …`): it is asked about once.
      const asking = asked.get(program) ?? shellFinds(program, env, root);
      asked.set(program, asking);
      const answer = await asking;
      if ('unasked' in answer) {
        return check(
          'agent command',
          'warn',
          `${shown}: could not ask sh whether ${program} can start: ${answer.unasked}${usedBy}`,
          answer.hint,
        );
      }
      const found = answer.found;
      if (found === undefined) {
        return check(
          'agent command',
          missing,
          `${shown}: ${program} was not found on PATH (or at that path), so the agent cannot start${usedBy}`,
          `Install ${program} or put it on PATH, or fix the \`agent: { command: … }\` that names it (in the contract or the config).`,
        );
      }
      const relativePath = relativeFind(found, root);
      if (relativePath === undefined) return check('agent command', 'ok', `${shown}: ${found}${usedBy}`);
      const has = await newWorktreeHas(root, relativePath, worktree, true);
      if (has === 'tracked' || has === 'copied') {
        const how = has === 'tracked' ? 'committed' : 'copied in by `copy` or .worktreeinclude';
        return check('agent command', 'ok', `${shown}: ${relativePath} (${how}: in every worktree)${usedBy}`);
      }
      if (has === 'not-executable') {
        return check(
          'agent command',
          missing,
          `${shown}: ${relativePath} is committed without its executable bit, so the worktree's copy cannot be run (exit 126)${usedBy}`,
          `Commit it executable: git update-index --chmod=+x ${printableArg(relativePath)} && git commit -m 'make the agent executable'`,
        );
      }
      const why =
        has === 'outside' ? 'it leads out of the repository' : 'it is not committed (untracked or ignored)';
      return check(
        'agent command',
        missing,
        `${shown}: ${relativePath} is found from the feature's worktree, where the run starts it, and ${why}: worktrees will not have it, so the agent cannot start${usedBy}`,
        `Commit ${relativePath}, list it in the config's \`copy\`, or name the program by an absolute path.`,
      );
    }),
  );
}
