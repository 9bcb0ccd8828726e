import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { agentNameProblem } from '../agents/names.js';
import { ADAPTERS, agentLabel } from '../agents/registry.js';
import { CONFIG_FILES, type ConfigResult, loadConfig, parseConfigText } from '../config.js';
import type { Config } from '../config-schema.js';
import {
  detectTestRunner,
  ignoreBatonFolder,
  type KeptSettings,
  type ProjectProbe,
  packageJsonProblem,
  renderConfig,
  type TestRunner,
} from '../contracts/scaffold.js';
import { renderContract } from '../contracts/template.js';
import { UserError } from '../errors.js';
import { ignoredAmong } from '../git/check-ignore.js';
import { nothingAt, readRegularText, type TextRead } from '../open-regular.js';
import { projectRootForWriting } from '../project-root.js';
import { stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import {
  applyFile,
  checkPlannedWrites,
  contractFolders,
  type InitPlan,
  type InitSettings,
  pathsWritten,
  planFile,
  SAMPLE_ID,
} from './init-plan.js';
import { printInitSummary } from './init-summary.js';
import { writeInProject } from './project-writes.js';
import { refuseWrongKinds } from './wrong-kind.js';

/** The sample's test when the scripted demo agent writes it: the Node test its recipe writes, on the Node Baton runs on. */
const DEMO_SAMPLE_TEST = `node --test test/example/example.test.mjs`;

/** The sample's description when the scripted demo agent writes it (its recipe: assets/demo/recipes). */
const DEMO_SAMPLE_TEXT =
  "Baton's scripted demo agent (no model) writes this feature from its recipe: src/example/example.mjs and\n" +
  'its test, test/example/example.test.mjs. It writes only the features it has a recipe for: give the\n' +
  'contracts you add a real agent (`agent` in the config or the contract; `baton agents` lists them).';

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

/** The most of a file at the project's root that init reads to find its test runner. */
const MAX_PROBE_BYTES = 8 * 1024 * 1024;

/**
 * Reads the few files at the project's root that name its test runner, as Baton reads every text input
 * (a byte order mark dropped, as npm does; a FIFO never waited on); a package.json that is there but
 * cannot be read says why.
 */
export function probeProject(root: string): ProjectProbe {
  const read = (name: string): TextRead =>
    readRegularText(join(root, name), {
      maxBytes: MAX_PROBE_BYTES,
      what: 'a project file',
      followLinks: true,
    });
  const text = (name: string) => {
    const got = read(name);
    return got.ok ? got.text : undefined;
  };
  const has = (name: string) => existsSync(join(root, name));
  const pythonTests = ['tests', 'test'].some((dir) => {
    try {
      return readdirSync(join(root, dir)).some((f) => /^test_.*\.py$/.test(f));
    } catch {
      return false;
    }
  });
  const makefile = text('Makefile') ?? text('makefile');
  const pkg = read('package.json');
  const pyproject = text('pyproject.toml');
  return {
    ...(pkg.ok ? { packageJson: pkg.text } : {}),
    ...(!pkg.ok && pkg.reason !== 'missing' ? { packageJsonUnread: pkg.problem } : {}),
    ...(makefile !== undefined ? { makefile } : {}),
    ...(pyproject !== undefined ? { pyproject } : {}),
    pytestConfig: pythonTests || ['pytest.ini', 'conftest.py', 'tox.ini'].some(has),
    goMod: has('go.mod'),
    cargoToml: has('Cargo.toml'),
  };
}

/** The test runner `--test` names, else the one the project's files name, and why package.json went unread. */
function chooseTestRunner(
  root: string,
  test: string | undefined,
): { runner: TestRunner | undefined; unreadPackage?: string | undefined } {
  if (test) return { runner: { command: test, source: '--test', forFeature: () => test } };
  const probe = probeProject(root);
  return { runner: detectTestRunner(probe), unreadPackage: packageJsonProblem(probe) };
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
        'package.json, pytest, go.mod, Cargo.toml or a Makefile; the sample criterion runs that runner. Writes only ' +
        'what is missing: a config already there (baton.config.json, baton.yaml or baton.yml) and a sample already ' +
        'there are kept unless --force, which replaces them after a backup (<file>.bak), writing the replaced ' +
        "config's settings again but the agent and test (its specs folder, copy, base…); no sample is added when " +
        'the specs folder already holds contracts. Every write is checked first (inside the repository, writable), ' +
        'so a refusal writes nothing.',
    )
    .option('--force', 'replace an existing config or sample contract, keeping each as <file>.bak first')
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
    if (err instanceof UserError && err.code !== 'git/not-a-repo') throw err;
    throw new UserError('init/not-a-repo', `${ctx.cwd} is not inside a git repository`, {
      hint: 'Baton keeps one git worktree per feature, so it needs a repository: run `git init` first (and commit once).',
    });
  });
  // The one test of an agent's name (a property of every object, `constructor`, is none), with its "did you mean".
  const problem = flags.agent === undefined ? undefined : agentNameProblem(flags.agent);
  if (problem)
    throw new UserError('init/unknown-agent', problem.message, { exitCode: 2, hint: problem.hint });
  const found = await installedAgents(ctx.env);
  const agent = flags.agent ?? found[0]?.name ?? 'claude';
  const { runner, unreadPackage } = chooseTestRunner(root, flags.test);
  const plan = planInit(ctx, root, { force: flags.force === true, agent, runner });
  const files = [plan.config, ...(plan.sample ? [plan.sample] : [])];

  const ignorePath = join(root, '.gitignore');
  const before = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : undefined;
  // Ignored by any rule git has (a whitelist `/*` included), not only by a `.baton/` line.
  const ignore = ignoreBatonFolder(before, (await ignoredAmong(root, ['.baton/log.jsonl'])).size > 0);
  // Every write checked first (inside the repository, writable), so a refusal leaves no half setup.
  checkPlannedWrites(root, [
    ...pathsWritten(files),
    join(root, '.baton'),
    ...(ignore.changed ? [ignorePath] : []),
  ]);
  for (const f of files) applyFile(root, f);
  // Baton's state folder; its presence also turns on the contract parse cache (for the commands that only show contracts).
  writeInProject('init', root, join(root, '.baton'), () =>
    mkdirSync(join(root, '.baton'), { recursive: true }),
  );
  if (ignore.changed) writeInProject('init', root, ignorePath, () => writeFileSync(ignorePath, ignore.text));
  const gitignore = !ignore.changed ? 'already ignored' : before === undefined ? 'created' : 'appended';
  const agentsFound = found.map((a) => a.name);
  // What the commit of the contracts adds that git ignores: `git add` refuses it without -f.
  const ignoredPaths = await ignoredAmong(root, [...files.map((f) => f.rel), '.gitignore', `${plan.specs}/`]);
  // A file in an ignored folder is said with its folder.
  const ignored = [...ignoredPaths]
    .filter(
      (path) => ![...ignoredPaths].some((dir) => dir.endsWith('/') && path !== dir && path.startsWith(dir)),
    )
    .sort();

  if (flags.json) {
    const json = {
      root,
      created: files.filter((f) => f.action === 'create').map((f) => f.rel),
      kept: files.filter((f) => f.action === 'keep' || f.action === 'same').map((f) => f.rel),
      replaced: files.flatMap((f) =>
        f.action === 'replace' ? [{ file: f.rel, backup: relative(root, f.backup) }] : [],
      ),
      sample_skipped: plan.sample === undefined,
      gitignore,
      // What the config says once init is done: a kept config's own agent and test.
      agent: plan.settings.agent,
      agents_found: agentsFound,
      test: plan.settings.test ?? null,
      settings_kept: plan.settings.carried ?? [],
      ignored_by_git: ignored,
    };
    ctx.stdout.write(`${stringifyJson(json, 2)}\n`);
    return;
  }
  printInitSummary(ctx, {
    root,
    plan,
    gitignore,
    ignored,
    agentsFound,
    runner,
    ...(unreadPackage !== undefined ? { unreadPackage } : {}),
    ...(flags.agent !== undefined ? { agentFlag: flags.agent } : {}),
    ...(flags.test !== undefined ? { testFlag: flags.test } : {}),
  });
}

/**
 * The config and sample contract init would write, and what it does with each. The config is the file
 * already there when there is one (init never adds a second, which would be read instead of it); the
 * sample goes in the specs folder that config names, and only when that folder holds no other contract
 * (`baton run` would run the placeholder with them). The sample is the demo agent's (its recipe's files
 * and test) when the config names that agent: it writes nothing else.
 */
function planInit(
  ctx: CliContext,
  root: string,
  o: { force: boolean; agent: string; runner: TestRunner | undefined },
): InitPlan {
  refuseWrongKinds('init', root, [
    ...CONFIG_FILES.map((f) => ({ path: f, kind: 'file' as const })),
    { path: '.baton', kind: 'folder' },
    { path: '.gitignore', kind: 'file' },
  ]);
  // A dangling link counts as there: planFile refuses it rather than add a second config beside it.
  const configName = CONFIG_FILES.find((f) => !nothingAt(join(root, f))) ?? 'baton.config.json';
  const previous = nothingAt(join(root, configName)) ? undefined : readPrevious(root, configName);
  const configText = renderConfig(
    schemaReference(ctx, root, root, 'config.schema.json'),
    o.agent,
    o.runner?.command,
    previous?.kept,
  );
  const config = planFile(root, configName, configText, o.force);
  const written: InitSettings = { agent: o.agent, test: o.runner?.command, from: 'written' };
  const { specsDir, settings } =
    config.action === 'create' || previous === undefined
      ? { specsDir: join(root, 'specs'), settings: written }
      : config.action === 'replace'
        ? withReplaced(root, written, previous)
        : keptConfig(previous.loaded, config.action === 'keep' ? undefined : written);
  const specs = relative(root, specsDir);
  const sampleDir = join(specsDir, SAMPLE_ID);
  const sampleFile = join(sampleDir, 'contract.md');
  refuseWrongKinds('init', root, [
    { path: specs, kind: 'folder' },
    { path: relative(root, sampleDir), kind: 'folder' },
    { path: relative(root, sampleFile), kind: 'file' },
  ]);
  const others = existsSync(sampleFile) ? [] : contractFolders(specsDir, SAMPLE_ID);
  if (others.length > 0) return { config, sample: undefined, specs, others, settings, sampleTest: undefined };
  const demo = settings.agent === 'demo';
  const sampleTest = demo ? DEMO_SAMPLE_TEST : o.runner?.forFeature('example');
  const sampleText = renderContract({
    feature_id: SAMPLE_ID,
    title: 'Example feature',
    name: 'example',
    schemaPath: schemaReference(ctx, root, sampleDir, 'contract.schema.json'),
    ...(sampleTest !== undefined ? { testCommand: sampleTest } : {}),
    ...(demo ? { description: DEMO_SAMPLE_TEXT } : {}),
  });
  const sample = planFile(root, relative(root, sampleFile), sampleText, o.force);
  return { config, sample, specs, others, settings, sampleTest };
}

/** The config already there: as loaded, and the settings of it that `--force` writes again. */
interface Previous {
  loaded: ConfigResult<Config>;
  kept: KeptSettings | undefined;
}

/**
 * Reads the config already there. The settings written again are those as written in the file (a
 * relative `specs`, no defaults filled in), all but what init decides; none when it does not load.
 */
function readPrevious(root: string, name: string): Previous {
  const loaded = loadConfig(root);
  // The file loaded is the one init rewrites (not a config further down the list, past a dangling link).
  if (!loaded.ok || loaded.value.file !== join(root, name)) return { loaded, kept: undefined };
  const input = parseConfigText(name, readFileSync(loaded.value.file, 'utf8'));
  if (!input.ok) return { loaded, kept: undefined };
  const { $schema: _schema, agent: _agent, test: _test, ...kept } = input.value;
  return { loaded, kept };
}

/**
 * The specs folder of the config init keeps, and its agent and test (`same`: the text init would write,
 * so `written`); a config that does not load is refused, naming why.
 */
function keptConfig(
  loaded: ConfigResult<Config>,
  same: InitSettings | undefined,
): { specsDir: string; settings: InitSettings } {
  if (loaded.ok) {
    const { specs, agent, test } = loaded.value;
    return { specsDir: specs, settings: same ?? { agent: agentLabel(agent), test, from: 'kept' } };
  }
  throw new UserError('config/invalid', 'the configuration is invalid; nothing was written', {
    diagnostics: loaded.errors,
    hint: 'Fix it and run `baton init` again, or `baton init --force` to replace it (keeping a backup).',
  });
}

/**
 * What `--force` writes: the settings of the config it replaces but the agent and test (its `specs`
 * folder too, so the project's contracts stay where they are), with what that config said when it
 * differs. One that does not load gives nothing, and the summary says so.
 */
function withReplaced(
  root: string,
  written: InitSettings,
  previous: Previous,
): { specsDir: string; settings: InitSettings } {
  const { loaded, kept } = previous;
  if (!loaded.ok) {
    const why = loaded.errors[0]?.message ?? 'it is invalid';
    return { specsDir: join(root, 'specs'), settings: { ...written, dropped: why } };
  }
  const carried = { ...written, carried: Object.keys(kept ?? {}) };
  const specsDir = loaded.value.specs;
  const agent = agentLabel(loaded.value.agent);
  const { test } = loaded.value;
  return agent === written.agent && test === written.test
    ? { specsDir, settings: carried }
    : { specsDir, settings: { ...carried, replaced: { agent, test } } };
}
