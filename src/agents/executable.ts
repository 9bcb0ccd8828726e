import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseVersion } from '../version.js';
import type { AgentDetection } from './adapter.js';

/** Finds a program the way a shell would: a path as given, or a bare name on `PATH`. */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, command));
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
  options: { packageName?: string; versionArgs?: readonly string[] } = {},
): Promise<AgentDetection> {
  const path = findExecutable(command, env);
  if (!path) return { installed: false };
  const fromPackage = options.packageName ? packageVersionOf(path, options.packageName) : undefined;
  if (fromPackage) return { installed: true, path, version: fromPackage };
  const output = await new Promise<string>((done) => {
    execFile(
      path,
      [...(options.versionArgs ?? ['--version'])],
      { env, timeout: 15_000, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (_err, stdout, stderr) => done(`${stdout ?? ''}\n${stderr ?? ''}`),
    );
  });
  const version = parseVersion(output);
  return { installed: true, path, ...(version ? { version } : {}) };
}
