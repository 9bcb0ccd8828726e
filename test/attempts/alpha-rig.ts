// A repository with one feature, `alpha`, whose `command` agent writes src/alpha/a.txt: the rig the
// best-of-N tests of kept tips (pick, clean, the run's own choice) share.
import { expect } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';

/** The agent each attempt runs: writes its unit id into the feature's one file. */
export const ALPHA_AGENT =
  'mkdir -p src/$BATON_FEATURE_ID && echo $BATON_UNIT_ID > src/$BATON_FEATURE_ID/a.txt\n';

/** A fresh repository holding `alpha`'s contract and `agent` as ./agent.sh (the config's agent). */
export function alphaRepo(agent: string = ALPHA_AGENT): TempRepo {
  return makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    'agent.sh': agent,
    'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
    'specs/alpha/contract.md':
      '---\nfeature_id: alpha\ntitle: alpha\nowns: ["src/alpha/**"]\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: test -f src/alpha/a.txt\n---\n',
  });
}

/**
 * A repository of `alpha` after `baton run alpha --attempts 2` ran to the end, both attempts passing
 * (worktrees, branches and log as the run left them): the run is made once per test process and each
 * call gets a copy of it (`cachedState`). The caller removes the copy.
 */
export function ranAlphaRepo(): Promise<TempRepo> {
  return cachedState('alpha-rig:alpha run --attempts 2', async () => {
    const repo = alphaRepo();
    const run = await runBaton(['run', 'alpha', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return repo;
  });
}
