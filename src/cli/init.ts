import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { ADAPTERS } from '../agents/registry.js';
import { CONFIG_FILES } from '../config.js';
import {
  detectTestRunner,
  ignoreBatonFolder,
  type ProjectProbe,
  renderConfig,
  type TestRunner,
} from '../contracts/scaffold.js';
import { renderContract } from '../contracts/template.js';
import { UserError } from '../errors.js';
import { realNearest } from '../path-inside.js';
import { projectRootForWriting } from '../project-root.js';
import { palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { refuseWrongKinds } from './wrong-kind.js';

const SAMPLE_ID = 'feature-001-example';

/** Agents `init` looks for, in the order it prefers them (the scripted demo agent is never a default). */
const AGENT_PREFERENCE = ['claude', 'codex', 'gemini', 'opencode', 'aider'] as const;

/**
 * Where the published schemas are, as a path an editor can follow from `from` (a folder in the project),
 * or undefined. Written into files the user commits, so only a path that holds in every clone will do: a
 * copy of Baton inside the project (its node_modules, or the project being Baton), relative to `from`.
 * A global install's absolute path would be wrong on any other machine, so none is given then.
 */
export function schemaReference(
  ctx: CliContext,
  root: string,
  from: string,
  file: string,
): string | undefined {
  const installed = resolve(dirname(ctx.batonBin), '..', 'schema', file);
  const local = join(root, 'node_modules', 'baton-cli', 'schema', file);
  const inProject = installed.startsWith(root + sep) && existsSync(installed) ? installed : local;
  if (!existsSync(inProject)) return undefined;
  const path = relative(from, inProject).split(sep).join('/');
  return path.startsWith('..') ? path : `./${path}`;
}

/** Reads the few files at the project's root that name its test runner. */
export function probeProject(root: string): ProjectProbe {
  const read = (name: string) => {
    try {
      return readFileSync(join(root, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const has = (name: string) => existsSync(join(root, name));
  const pythonTests = ['tests', 'test'].some((dir) => {
    try {
      return readdirSync(join(root, dir)).some((f) => /^test_.*\.py$/.test(f));
    } catch {
      return false;
    }
  });
  const makefile = read('Makefile') ?? read('makefile');
  const packageJson = read('package.json');
  const pyproject = read('pyproject.toml');
  return {
    ...(packageJson !== undefined ? { packageJson } : {}),
    ...(makefile !== undefined ? { makefile } : {}),
    ...(pyproject !== undefined ? { pyproject } : {}),
    pytestConfig: pythonTests || ['pytest.ini', 'conftest.py', 'tox.ini'].some(has),
    goMod: has('go.mod'),
    cargoToml: has('Cargo.toml'),
  };
}

/** The agents installed on this machine, in order of preference. */
async function installedAgents(env: NodeJS.ProcessEnv): Promise<AgentAdapter[]> {
  const adapters = AGENT_PREFERENCE.map((name) => ADAPTERS[name]).filter(
    (a): a is AgentAdapter => a !== undefined,
  );
  const found = await Promise.all(
    adapters.map(async (a) => ((await a.detect(env)).installed ? a : undefined)),
  );
  return found.filter((a): a is AgentAdapter => a !== undefined);
}

/** `baton init`: a config, `.baton/` ignored by git, and one sample contract. */
export const registerInit: RegisterCommand = (program, ctx) => {
  program
    .command('init')
    .summary('set up Baton here: a config, .baton/ in .gitignore, a sample contract')
    .description(
      'Set up Baton in this git repository: write baton.config.json, add .baton/ to .gitignore (appending, never ' +
        'rewriting) and a sample contract in specs/feature-001-example/contract.md. The config names an agent ' +
        'that is installed (claude, codex, gemini, opencode, aider, in that order) and the test command found in ' +
        'package.json, pytest, go.mod, Cargo.toml or a Makefile; the sample criterion runs that runner. Existing ' +
        'files are never overwritten without --force; a file named .baton or specs, or a folder named .gitignore, ' +
        'stops init before it writes anything.',
    )
    .option('--force', 'overwrite an existing config or sample contract')
    .option('--agent <name>', 'default agent written to the config (default: the first one installed)')
    .option('--test <command>', 'test command written to the config (default: the one detected)')
    .option('--json', 'print { root, created, gitignore, agent, agents_found, test } as JSON')
    .action((flags: InitFlags) => initProject(ctx, flags));
};

interface InitFlags {
  force?: boolean;
  agent?: string;
  test?: string;
  json?: boolean;
}

async function initProject(ctx: CliContext, flags: InitFlags) {
  const root = await projectRootForWriting(ctx.cwd, 'init').catch((err: unknown) => {
    if (err instanceof UserError && err.code === 'init/linked-worktree') throw err;
    throw new UserError('init/not-a-repo', `${ctx.cwd} is not inside a git repository`, {
      hint: 'Baton keeps one git worktree per feature, so it needs a repository: run `git init` first (and commit once).',
    });
  });
  const configFile = join(root, 'baton.config.json');
  const contractDir = join(root, 'specs', SAMPLE_ID);
  const contractFile = join(contractDir, 'contract.md');
  refuseBlockedPaths(root, contractFile, flags.force === true);
  if (flags.agent !== undefined && ADAPTERS[flags.agent] === undefined) {
    throw new UserError('init/unknown-agent', `unknown agent "${flags.agent}"`, {
      exitCode: 2,
      hint: `Known agents: ${Object.keys(ADAPTERS).join(', ')}.`,
    });
  }
  const found = await installedAgents(ctx.env);
  const agent = flags.agent ?? found[0]?.name ?? 'claude';
  const runner: TestRunner | undefined = flags.test
    ? { command: flags.test, source: '--test', forFeature: () => flags.test as string }
    : detectTestRunner(probeProject(root));

  const created: string[] = [];
  writeFileSync(
    configFile,
    renderConfig(schemaReference(ctx, root, root, 'config.schema.json'), agent, runner?.command),
  );
  created.push('baton.config.json');
  mkdirSync(contractDir, { recursive: true });
  writeFileSync(
    contractFile,
    renderContract({
      feature_id: SAMPLE_ID,
      title: 'Example feature',
      name: 'example',
      schemaPath: schemaReference(ctx, root, contractDir, 'contract.schema.json'),
      ...(runner ? { testCommand: runner.forFeature('example') } : {}),
    }),
  );
  created.push(relative(root, contractFile));
  // Baton's state folder; its presence also turns on the contract parse cache.
  mkdirSync(join(root, '.baton'), { recursive: true });
  const ignorePath = join(root, '.gitignore');
  const before = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : undefined;
  const ignore = ignoreBatonFolder(before);
  if (ignore.changed) writeFileSync(ignorePath, ignore.text);
  const gitignore = !ignore.changed ? 'already ignored' : before === undefined ? 'created' : 'appended';
  const agentsFound = found.map((a) => a.name);

  if (flags.json) {
    const json = {
      root,
      created,
      gitignore,
      agent,
      agents_found: agentsFound,
      test: runner?.command ?? null,
    };
    ctx.stdout.write(`${stringifyJson(json, 2)}\n`);
    return;
  }
  printInitSummary(ctx, {
    root,
    created,
    ignoreChanged: ignore.changed,
    gitignore,
    agent,
    agentsFound,
    runner,
    ...(flags.agent !== undefined ? { agentFlag: flags.agent } : {}),
  });
}

/** Refuses, before anything is written, a path that is in the way of the files init writes. */
function refuseBlockedPaths(root: string, contractFile: string, force: boolean): void {
  refuseWrongKinds('init', root, [
    ...CONFIG_FILES.map((f) => ({ path: f, kind: 'file' as const })),
    { path: 'specs', kind: 'folder' },
    { path: relative(root, dirname(contractFile)), kind: 'folder' },
    { path: relative(root, contractFile), kind: 'file' },
    { path: '.baton', kind: 'folder' },
    { path: '.gitignore', kind: 'file' },
  ]);
  const existing = [...CONFIG_FILES.map((f) => join(root, f)), contractFile].filter((f) => existsSync(f));
  if (existing.length > 0 && !force) {
    const names = existing.map((f) => relative(root, f)).join(', ');
    throw new UserError('init/exists', `not overwriting ${names}: already there`, {
      hint: 'Run `baton init --force` to replace them, or `baton new <name>` to add a contract.',
    });
  }
}

/** What `baton init` did and what to do next, in words. */
function printInitSummary(
  ctx: CliContext,
  o: {
    root: string;
    created: readonly string[];
    ignoreChanged: boolean;
    gitignore: string;
    agent: string;
    agentFlag?: string;
    agentsFound: readonly string[];
    runner: TestRunner | undefined;
  },
): void {
  const p = palette(ctx.color);
  const others = o.agentsFound.filter((n) => n !== o.agent);
  const agentLine =
    o.agentFlag !== undefined
      ? `agent: ${o.agent} (from --agent)${o.agentsFound.length ? `; installed: ${o.agentsFound.join(', ')}` : ''}`
      : o.agentsFound.length > 0
        ? `agent: ${o.agent} (installed)${others.length ? `; also found: ${others.join(', ')}` : ''}`
        : `agent: ${o.agent}, ${p.yellow('but no agent CLI was found on PATH')}: install one (\`baton agents\` says how), or try Baton with \`baton demo\``;
  const testLine = o.runner
    ? `test: ${o.runner.command} (from ${o.runner.source}); the sample criterion runs \`${o.runner.forFeature('example')}\``
    : `test: ${p.yellow('none found')} (package.json "test", pytest, go.mod, Cargo.toml, Makefile "test"); set "test" in baton.config.json and the sample's \`run:\``;
  ctx.stdout.write(
    [
      // Run from a subfolder, the files still go to the repository's root: say where that is.
      ...(realNearest(ctx.cwd) === realNearest(o.root)
        ? []
        : [`in the repository's root, ${escapeControl(o.root)}:`]),
      ...o.created.map((f) => `${p.green('created')} ${f}`),
      `${o.ignoreChanged ? p.green('updated') : p.dim('kept')} .gitignore (.baton/ ${o.gitignore})`,
      agentLine,
      testLine,
      '',
      'Next:',
      '  baton new <name>   write a contract per feature (specs/feature-NNN-<name>/contract.md)',
      '  baton lint         check that every criterion is measurable and owned paths do not overlap',
      '  baton plan         see the waves, the critical path and the best possible speedup',
      '',
      'Then commit the contracts, so every feature worktree starts from them (the paths after -- keep',
      'anything else you had staged out of that commit):',
      '  git add baton.config.json .gitignore specs && git commit -m "Baton contracts" -- baton.config.json .gitignore specs',
      '',
    ].join('\n'),
  );
}
