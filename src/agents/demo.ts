import { fileURLToPath } from 'node:url';
import { DECOMPOSE_ID } from '../coupling/decompose-task.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';

/** Where the package keeps the demo's recipes (one folder of files per feature id). */
export const DEFAULT_RECIPES = fileURLToPath(new URL('../../assets/demo/recipes', import.meta.url));
// Resolved through the package root so it is found from `src/` (tests) and from `dist/` alike.
const AGENT_SCRIPT = fileURLToPath(new URL('../../dist/agents/demo-agent.js', import.meta.url));

/** The built-in scripted agent: no model, no key; writes each feature from a recipe. */
export const demoAdapter: AgentAdapter = {
  name: 'demo',
  displayName: 'Baton scripted demo agent',
  installHint: 'Built in; nothing to install.',
  hasOwnHooks: true,
  async detect() {
    return { installed: true, path: AGENT_SCRIPT, version: 'built-in' };
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    const setting = (name: string) => task.override?.env?.[name] ?? task.env[name];
    const seconds = setting('BATON_DEMO_SECONDS') ?? '5';
    const env: Record<string, string> = {
      BATON_HOOK_COMMAND: JSON.stringify(task.batonCommand),
      BATON_DEMO_RECIPES: task.env.BATON_DEMO_RECIPES ?? DEFAULT_RECIPES,
      // Writing contracts (`baton decompose`) has its own working time: the demo keeps it short.
      BATON_DEMO_SECONDS:
        task.feature.feature_id === DECOMPOSE_ID
          ? (setting('BATON_DEMO_DECOMPOSE_SECONDS') ?? seconds)
          : seconds,
    };
    if (task.override?.env?.BATON_DEMO_RECIPES) env.BATON_DEMO_RECIPES = task.override.env.BATON_DEMO_RECIPES;
    return {
      command: process.execPath,
      args: [AGENT_SCRIPT],
      env,
      display: `${process.execPath} ${AGENT_SCRIPT}   (recipes: ${env.BATON_DEMO_RECIPES}, ${env.BATON_DEMO_SECONDS} s)`,
    };
  },
  parseUsage(output: string) {
    const m = /turns: (\d+)/.exec(output);
    return m ? { turns: Number(m[1]), cost_usd: 0 } : undefined;
  },
  isRateLimited() {
    return false;
  },
};
