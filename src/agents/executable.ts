import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { AgentOverride } from '../config-schema.js';
import { parseVersion } from '../version.js';
import type { AgentDetection } from './adapter.js';

/**
 * Finds a program the way a shell started in `cwd` would: a leading `~/` expanded to the home folder,
 * a path (with a `/`) taken from `cwd`, a bare name looked up on `PATH` (a relative entry of it, such
 * as `tools`, also taken from `cwd`). The absolute path of the file, or undefined.
 */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string | undefined {
  const expanded = expandHome(command, env);
  const candidates = expanded.includes('/')
    ? [resolve(cwd, expanded)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(resolve(cwd, dir), expanded));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there, or not executable: try the next one
    }
  }
  return undefined;
}

/** `~/x` (or `~`) as the path in the home folder, as a shell expands it; anything else as it is. */
function expandHome(command: string, env: NodeJS.ProcessEnv): string {
  if (command !== '~' && !command.startsWith('~/')) return command;
  return join(env.HOME || homedir(), command.slice(1));
}

/** Whether a command names a file (a path, or `~/…`) rather than a program to look up on `PATH`. */
export function isPathCommand(command: string): boolean {
  return command.includes('/') || command.startsWith('~');
}

/** The environment an agent's program is found and run with: the user's, the config's `env` on top. */
export function agentEnv(env: NodeJS.ProcessEnv, override: AgentOverride | undefined): NodeJS.ProcessEnv {
  return { ...env, ...override?.env };
}

/**
 * Finds an agent's program as its launch will run it (`resolveAgentProgram`), and its version. A
 * program the config names (`agents.<name>.command`) that is not there gets a hint naming it rather
 * than the install command of the usual one.
 */
export async function detectAgent(
  program: { name: string; command: string; packageName?: string },
  env: NodeJS.ProcessEnv,
  override: AgentOverride | undefined,
  root = process.cwd(),
): Promise<AgentDetection> {
  const command = override?.command ?? program.command;
  const found = await detectExecutable(command, agentEnv(env, override), {
    ...(program.packageName ? { packageName: program.packageName } : {}),
    cwd: root,
  });
  if (found.installed || override?.command === undefined) return found;
  const where = isPathCommand(command)
    ? `no executable file at ${resolve(root, expandHome(command, env))}`
    : 'not found on PATH';
  return {
    ...found,
    hint: `agents.${program.name}.command in the config is ${command}: ${where}. Fix the path (a relative one is taken from the repository root) or remove it to run ${program.command}.`,
  };
}

/**
 * The program an agent's launch runs, found as `detectAgent` finds it: its absolute path (so the
 * agent, started in its worktree, runs the very file `baton agents` reported), else the command as
 * given. `shown` is what a displayed command names: a bare name as written, a path as the file.
 */
export function resolveAgentProgram(
  command: string,
  env: NodeJS.ProcessEnv,
  override: AgentOverride | undefined,
  root: string,
): { path: string; shown: string } {
  const path = findExecutable(command, agentEnv(env, override), root) ?? command;
  return { path, shown: isPathCommand(command) ? path : command };
}

/**
 * The version of the npm package a program belongs to, read from the `package.json` above its real
 * path (npm installs link `bin/x` into the package): no need to start a CLI that takes seconds to load.
 */
export function packageVersionOf(file: string, packageName: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(realpathSync(file));
  } catch {
    return undefined;
  }
  for (let depth = 0; depth < 4; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === packageName && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look one folder up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * Whether a program is installed, where, and which version: from its npm package when it came from
 * one, else from what `--version` prints. The version is best-effort: a program that is found but
 * does not answer in time is still installed.
 */
export async function detectExecutable(
  command: string,
  env: NodeJS.ProcessEnv,
  options: { packageName?: string; versionArgs?: readonly string[]; cwd?: string } = {},
): Promise<AgentDetection> {
  const path = findExecutable(command, env, options.cwd);
  if (!path) return { installed: false };
  const fromPackage = options.packageName ? packageVersionOf(path, options.packageName) : undefined;
  if (fromPackage) return { installed: true, path, version: fromPackage };
  const output = await new Promise<string>((done) => {
    const child = execFile(
      path,
      [...(options.versionArgs ?? ['--version'])],
      { env, timeout: 15_000, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (_err, stdout, stderr) => done(`${stdout ?? ''}\n${stderr ?? ''}`),
    );
    // Nothing comes on stdin: a wrapper that reads it (`tee log | claude "$@"`) must not wait for it.
    child.stdin?.end();
  });
  const version = parseVersion(output);
  return { installed: true, path, ...(version ? { version } : {}) };
}
