/**
 * The variables by which git is told which repository, index and work tree to use instead of finding
 * them from its folder: git 2.39's `git rev-parse --local-env-vars`, less `GIT_CONFIG_PARAMETERS` and
 * `GIT_CONFIG_COUNT` (the caller's `git -c` and `--config-env`, which git itself keeps when it runs a
 * command in another repository: `sanitize_repo_env`). Git sets `GIT_DIR` and `GIT_INDEX_FILE` for its
 * hooks, so a Baton started from one inherits the hook's repository: its git calls in other checkouts
 * (a feature's worktree, the main checkout seen from a linked one) would then read and write the
 * hook's index, and so would an agent or a check.
 */
export const REPOSITORY_ENV_KEYS: readonly string[] = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CONFIG',
  'GIT_OBJECT_DIRECTORY',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_GRAFT_FILE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_COMMON_DIR',
];

/**
 * `env` without `REPOSITORY_ENV_KEYS` (pure): what every process Baton starts in a folder of its
 * choosing inherits (its git calls, agents, setups and checks), so that each finds its repository
 * from that folder. A variable Baton sets itself for one call (a scratch `GIT_INDEX_FILE`) is added
 * after this.
 */
export function withoutRepositoryEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of REPOSITORY_ENV_KEYS) delete out[k];
  return out;
}

/**
 * Config that every git in a checkout Baton made runs with, whoever starts it (Baton's own git by
 * `-c`, its agents, setups and checks by `withCheckoutConfig`): `core.ignoreStat=true` in the user's
 * config makes git mark every index entry it writes assume-unchanged, and then Baton's commit misses
 * an agent's change to a tracked file and every criterion is refused (`checks/hidden-index-entries`).
 * A flag set on purpose (`git update-index --assume-unchanged`) is still seen and refused.
 */
export const CHECKOUT_CONFIG: ReadonlyArray<readonly [string, string]> = [['core.ignoreStat', 'false']];

/**
 * `env` with `CHECKOUT_CONFIG` added after the config it already gives git (`GIT_CONFIG_COUNT`,
 * the caller's `--config-env`), so it wins over the user's files (pure). A count git would refuse
 * anyway (not a number) is left as it is; a pair already there is not added twice.
 */
export function withCheckoutConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const raw = env.GIT_CONFIG_COUNT;
  const count = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!Number.isInteger(count) || count < 0) return env;
  const tail = count - CHECKOUT_CONFIG.length;
  const added =
    tail >= 0 &&
    CHECKOUT_CONFIG.every(
      ([key, value], i) =>
        env[`GIT_CONFIG_KEY_${tail + i}`] === key && env[`GIT_CONFIG_VALUE_${tail + i}`] === value,
    );
  if (added) return env;
  const out: NodeJS.ProcessEnv = { ...env, GIT_CONFIG_COUNT: String(count + CHECKOUT_CONFIG.length) };
  CHECKOUT_CONFIG.forEach(([key, value], i) => {
    out[`GIT_CONFIG_KEY_${count + i}`] = key;
    out[`GIT_CONFIG_VALUE_${count + i}`] = value;
  });
  return out;
}

/** What every process Baton starts in a checkout gets: `withoutRepositoryEnv`, then `withCheckoutConfig` (pure). */
export function checkoutEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return withCheckoutConfig(withoutRepositoryEnv(env));
}
