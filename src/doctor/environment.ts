import { dirname } from 'node:path';
import { ADAPTERS, resolveAdapter } from '../agents/registry.js';
import type { AgentOverride } from '../config-schema.js';
import type { AgentSpec } from '../contracts/schema.js';
import { formatUserError, UserError } from '../errors.js';
import { gitRaw } from '../git/git.js';
import { gitTooOldDetail, MIN_GIT, UPGRADE_GIT_HINT } from '../git/git-version.js';
import { TMPDIR_HINT, tempFolder, tempFolderProblem } from '../temp-folder.js';
import { someOf } from '../text/some-of.js';
import { versionNumbers } from '../version.js';
import { check, type DoctorCheck, versionAtLeast } from './check.js';

/**
 * The Node releases Baton supports (package.json `engines`: `^20.19.0 || >=22.12.0`), as the oldest
 * of each major line: Baton loads ES-only packages with require() where it must load them
 * synchronously (slice-ansi, smol-toml), which Node does without a flag from 20.19 and 22.12, and in
 * every release of 23 and later. Node 21 never did.
 */
export const MIN_NODE = [20, 19] as const;
const MIN_NODE_22 = [22, 12] as const;

/** Whether Baton runs on this Node version (pure). */
export function nodeSupported(version: readonly number[]): boolean {
  const major = version[0] ?? 0;
  if (major === 20) return versionAtLeast(version, MIN_NODE);
  if (major === 22) return versionAtLeast(version, MIN_NODE_22);
  return major >= 23;
}

/** Checks a `git --version` output against `MIN_GIT` (pure); undefined output means git did not run. */
export function checkGitVersion(output: string | undefined): DoctorCheck {
  if (output === undefined) {
    return check('git', 'fail', 'git was not found on PATH', 'Install git 2.38 or newer.');
  }
  const version = versionNumbers(output);
  if (!version) return check('git', 'fail', `could not read the version from "${output.trim()}"`);
  const text = version.join('.');
  if (!versionAtLeast(version, MIN_GIT)) {
    return check('git', 'fail', gitTooOldDetail(text), UPGRADE_GIT_HINT);
  }
  return check('git', 'ok', `${text} (merge-tree --write-tree available)`);
}

/** Runs `git --version` and checks it; a git that could not start for want of resources is said so. */
export async function checkGit(cwd: string): Promise<DoctorCheck> {
  try {
    const r = await gitRaw(cwd, ['--version']);
    return checkGitVersion(r.exitCode === 0 ? r.stdout : undefined);
  } catch (err) {
    // EMFILE under a low `ulimit -n` is no missing git.
    if (err instanceof UserError && err.code === 'process/out-of-resources') {
      return check('git', 'fail', formatUserError(err), err.hint);
    }
    return checkGitVersion(undefined);
  }
}

/** Checks that Baton can make its scratch folders in the temporary folder (TMPDIR), as `baton run` needs. */
export function checkTempFolder(): DoctorCheck {
  const problem = tempFolderProblem();
  if (problem === undefined) return check('temp folder', 'ok', tempFolder());
  return check('temp folder', 'fail', `TMPDIR cannot be used: ${problem}`, TMPDIR_HINT);
}

/** Checks a Node version (`process.versions.node`) against the releases Baton supports (pure). */
export function checkNodeVersion(version: string): DoctorCheck {
  const parsed = versionNumbers(version);
  if (parsed && nodeSupported(parsed)) return check('node', 'ok', `v${version}`);
  return check(
    'node',
    'fail',
    parsed && parsed[0] !== undefined && parsed[0] > 20
      ? `v${version} cannot require() ES modules without a flag; Baton needs 20.19+ or 22.12+`
      : `v${version} is older than ${MIN_NODE.join('.')}`,
    'Install Node 22.12 or newer, or 20.19+ (e.g. with nvm, fnm or volta).',
  );
}

/** Which agent each feature uses (its contract's, else the configured default), grouped by agent name. */
export function agentsInUse(
  features: ReadonlyArray<{ feature_id: string; agent?: AgentSpec }>,
  fallback: AgentSpec,
): Map<string, { spec: AgentSpec; features: string[] }> {
  const used = new Map<string, { spec: AgentSpec; features: string[] }>();
  for (const f of features) {
    const spec = f.agent ?? fallback;
    if (typeof spec === 'object' && 'command' in spec) continue; // a shell command: nothing to detect
    const name = typeof spec === 'string' ? spec : spec.name;
    const entry = used.get(name) ?? { spec, features: [] };
    entry.features.push(f.feature_id);
    used.set(name, entry);
  }
  return used;
}

/**
 * The config's agent settings (`agents.<name>.command` and the rest) and the file they come from. The
 * config file lies at the repository root, from which a relative `agents.<name>.command` is taken (as
 * `baton run` and `baton agents` take it), whatever folder doctor runs in.
 */
export interface AgentSettings {
  agents: Readonly<Record<string, AgentOverride>>;
  file?: string | undefined;
}

/**
 * Detects every known agent adapter (installed, version, path). A missing agent is a warning,
 * unless a feature is set to use it (or names an agent Baton does not know): that is a failure.
 */
export async function checkAgents(
  env: NodeJS.ProcessEnv,
  used: ReadonlyMap<string, { spec: AgentSpec; features: string[] }>,
  settings: AgentSettings = { agents: {} },
): Promise<DoctorCheck[]> {
  const overrides = settings.agents;
  const root = settings.file === undefined ? undefined : dirname(settings.file);
  const names = [...new Set([...Object.keys(ADAPTERS), ...used.keys()])].sort();
  return Promise.all(
    names.map(async (name): Promise<DoctorCheck> => {
      const label = `agent ${name}`;
      const users = used.get(name)?.features ?? [];
      const usedBy = users.length > 0 ? ` — used by ${describeFeatures(users)}` : '';
      let adapter: ReturnType<typeof resolveAdapter>;
      try {
        adapter = resolveAdapter(used.get(name)?.spec ?? name);
      } catch (err) {
        return check(
          label,
          'fail',
          `unknown agent${usedBy}`,
          err instanceof Error && 'hint' in err ? String(err.hint) : undefined,
        );
      }
      // A detector that throws (a broken install) reads as not installed.
      const found = await adapter
        .detect(env, overrides[name], root)
        .catch(() => ({ installed: false, version: undefined, path: undefined }));
      if (found.installed) {
        const where = [found.version, found.path ? `at ${found.path}` : undefined].filter(Boolean).join(' ');
        return check(label, 'ok', `${adapter.displayName} ${where || 'installed'}${usedBy}`);
      }
      const configured = overrides[name]?.command;
      if (configured !== undefined) {
        // The config names the program: that is what was looked for, and what to fix.
        return check(
          label,
          users.length > 0 ? 'fail' : 'warn',
          `${adapter.displayName}: agents.${name}.command "${configured}" in ${settings.file ?? 'the config'} was not found${usedBy}`,
          `Fix agents.${name}.command in ${settings.file ?? 'the config'} (an executable path, or a name on PATH), or remove it to use ${name} from PATH.`,
        );
      }
      return check(
        label,
        users.length > 0 ? 'fail' : 'warn',
        `${adapter.displayName} not found on PATH${usedBy}`,
        adapter.installHint,
      );
    }),
  );
}

function describeFeatures(ids: readonly string[]): string {
  return someOf(ids, 3);
}
