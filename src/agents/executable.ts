import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
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

/** Pulls a version number (`2.1.197`, `0.61.0-preview.1`) out of a `--version` output. */
export function parseVersion(output: string): string | undefined {
  return /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(output)?.[0];
}

/**
 * Whether a program is installed, where, and which version its `--version` prints. The version is
 * best-effort: a program that is found but does not answer in time is still installed.
 */
export async function detectExecutable(
  command: string,
  env: NodeJS.ProcessEnv,
  versionArgs: readonly string[] = ['--version'],
): Promise<AgentDetection> {
  const path = findExecutable(command, env);
  if (!path) return { installed: false };
  const output = await new Promise<string>((done) => {
    execFile(
      path,
      [...versionArgs],
      { env, timeout: 15_000, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (_err, stdout, stderr) => done(`${stdout ?? ''}\n${stderr ?? ''}`),
    );
  });
  const version = parseVersion(output);
  return { installed: true, path, ...(version ? { version } : {}) };
}
