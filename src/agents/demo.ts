import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentOverride } from '../config-schema.js';
import { unitEnvironment } from '../contracts/feature-id.js';
import { DECOMPOSE_ID } from '../coupling/decompose-task.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';

/** Where the package keeps the demo's recipes (one folder of files per feature id). */
export const DEFAULT_RECIPES = fileURLToPath(new URL('../../assets/demo/recipes', import.meta.url));
// Resolved through the package root so it is found from `src/` (tests) and from `dist/` alike.
const AGENT_SCRIPT = fileURLToPath(new URL('../../dist/agents/demo-agent.js', import.meta.url));

/**
 * The recipes folder the demo agent reads: `agents.demo.env.BATON_DEMO_RECIPES` in the config, else
 * the same variable in Baton's environment, else the package's own (`DEFAULT_RECIPES`).
 */
function demoRecipes(override: AgentOverride | undefined, env: NodeJS.ProcessEnv): string {
  return override?.env?.BATON_DEMO_RECIPES ?? env.BATON_DEMO_RECIPES ?? DEFAULT_RECIPES;
}

/** The feature ids the recipes folder holds a recipe for (`baton decompose`'s own left out), sorted. */
function demoRecipeIds(recipes: string): string[] | undefined {
  try {
    return readdirSync(recipes, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== DECOMPOSE_ID)
      .map((e) => e.name)
      .sort();
  } catch {
    return undefined;
  }
}

/**
 * Why the scripted demo agent cannot do a unit (it writes a feature only from a recipe of that id), or
 * undefined when it has the recipe. A best-of-N attempt's recipe is its feature's.
 */
function missingRecipe(task: Pick<AgentTask, 'feature' | 'override' | 'env'>): string | undefined {
  const id = unitEnvironment(task.feature.feature_id).BATON_FEATURE_ID ?? task.feature.feature_id;
  const recipes = demoRecipes(task.override, task.env);
  if (existsSync(join(recipes, id))) return undefined;
  const ids = demoRecipeIds(recipes);
  const where = recipes === DEFAULT_RECIPES ? '' : ` in ${recipes}`;
  const has =
    ids === undefined
      ? `its recipes folder ${recipes} cannot be read`
      : `it writes only the features it has one for${where} (${ids.join(', ') || 'none'})`;
  return `the scripted demo agent (no model) has no recipe for ${id}: ${has}`;
}

/** The built-in scripted agent: no model, no key; writes each feature from a recipe. */
export const demoAdapter: AgentAdapter = {
  name: 'demo',
  displayName: 'Baton scripted demo agent',
  installHint: 'Built in; nothing to install.',
  hasOwnHooks: true,
  async detect() {
    return { installed: true, path: AGENT_SCRIPT, version: 'built-in' };
  },
  cannotDo: missingRecipe,
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    const setting = (name: string) => task.override?.env?.[name] ?? task.env[name];
    const seconds = setting('BATON_DEMO_SECONDS') ?? '5';
    const env: Record<string, string> = {
      BATON_HOOK_COMMAND: JSON.stringify(task.batonCommand),
      BATON_DEMO_RECIPES: demoRecipes(task.override, task.env),
      // Writing contracts (`baton decompose`) has its own working time: the demo keeps it short.
      BATON_DEMO_SECONDS:
        task.feature.feature_id === DECOMPOSE_ID
          ? (setting('BATON_DEMO_DECOMPOSE_SECONDS') ?? seconds)
          : seconds,
    };
    // Writing contracts, it writes them where the config keeps them (the decompose contract owns that folder).
    const specs =
      task.feature.feature_id === DECOMPOSE_ID ? task.feature.owns[0]?.replace(/\/\*\*$/, '') : undefined;
    if (specs !== undefined) env.BATON_DEMO_SPECS = specs;
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
