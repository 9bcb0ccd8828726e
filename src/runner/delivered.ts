/**
 * Features whose work is already in the base a run cuts its branches from: what a plain `baton run`
 * leaves out (running them again would redo work that is delivered), and what a `--wait-for-deps`
 * dependency may be instead of a branch. The log says which commit each feature completed on; git
 * proves the base holds it. The log is anyone's to write, but what it says here only ever leaves a
 * feature out of a run that did not name it, said on the run's first lines, and git must agree.
 */
import { configFileName } from '../config-files.js';
import { UserError } from '../errors.js';
import { isObjectId } from '../git/refs.js';
import { gitSequence } from '../git/sequence.js';
import type { FeatureState } from '../log/state.js';

/** The ref a run cuts its branches from: `--base`, else the config's `base`, else HEAD. */
export function runBase(base: string | undefined, config: { base?: string | undefined }): string {
  return base ?? config.base ?? 'HEAD';
}

/**
 * The refusal of a run whose base is not a commit, with the fix where the base came from: `--base`, the
 * config's `base` (named with its file), or HEAD in a repository with no commit yet.
 */
export function badBaseError(
  base: string | undefined,
  config: { base?: string | undefined; file?: string | undefined },
): UserError {
  const ref = runBase(base, config);
  const message = `the base "${ref}" is not a commit in this repository`;
  if (base === undefined && config.base !== undefined) {
    const file = configFileName(config.file);
    return new UserError('run/bad-base', `${message} (\`base\` in ${file})`, {
      hint: `Set \`base\` in ${file} to a branch or commit that exists (git branch -a lists the branches), or remove it to start from HEAD; --base <branch or commit> overrides it for one run.`,
    });
  }
  return new UserError('run/bad-base', message, {
    hint:
      ref === 'HEAD'
        ? 'Make a first commit: git add -A && git commit -m "initial"'
        : 'Pass --base <branch or commit>.',
  });
}

/**
 * Of `ids`, the features `base` already holds the work of, each with its commit: complete in the
 * log on a commit other than the one its branch was cut from, as its start recorded it (it changed
 * something), a commit that exists and that `base` reaches. One shell, two git commands, and only
 * when the log has such a feature. A base git cannot resolve, or any other failure, leaves nothing out.
 */
export async function deliveredFeatures(
  root: string,
  features: Readonly<Record<string, FeatureState>>,
  ids: readonly string[],
  base: string,
): Promise<Map<string, string>> {
  const candidates = new Map<string, string>();
  for (const id of ids) {
    const f = features[id];
    if (f?.status !== 'complete' || f.commit === undefined || !isObjectId(f.commit)) continue;
    if (f.base_commit !== undefined && f.commit !== f.base_commit) candidates.set(id, f.commit);
  }
  if (candidates.size === 0) return candidates;
  const commits = [...new Set(candidates.values())];
  const out = await gitSequence(root, [
    // The ones that exist, as commits.
    { args: ['rev-list', '--ignore-missing', '--no-walk=unsorted', ...commits, '--'] },
    // The ones the base does not reach (and what leads to them); a base git cannot find leaves all.
    { args: ['rev-list', '--ignore-missing', ...commits, `^${base}`, '--'] },
  ]).catch(() => undefined);
  const [exist, notInBase] = out ?? [];
  if (exist?.exitCode !== 0 || notInBase?.exitCode !== 0) return new Map();
  const existing = new Set(exist.stdout.split('\n'));
  const missing = new Set(notInBase.stdout.split('\n'));
  return new Map([...candidates].filter(([, c]) => existing.has(c) && !missing.has(c)));
}
