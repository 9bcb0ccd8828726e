import { UserError } from '../errors.js';
import type { BatonState } from '../log/fold.js';
import { type FeatureWindow, featureWindow } from './target.js';
import { runTmux, type Tmux, tmuxFor } from './tmux.js';

/** A feature's tmux window that is open now, or a clear error (for `attach` and `send`). */
export async function openWindow(
  state: BatonState,
  featureId: string,
  env: NodeJS.ProcessEnv,
): Promise<{ w: FeatureWindow; tmux: Tmux }> {
  const w = featureWindow(state, featureId);
  const tmux = tmuxFor(env);
  if ((await runTmux(tmux, ['has-session', '-t', w.target])).code !== 0) {
    throw new UserError(
      'interactive/no-window',
      `feature ${featureId} has no tmux window open (${w.target})`,
      {
        hint: 'Only features of a running `baton run --interactive` have one; see `baton status`.',
        exitCode: 1,
      },
    );
  }
  return { w, tmux };
}
