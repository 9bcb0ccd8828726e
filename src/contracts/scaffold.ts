import type { ConfigInput } from '../config-schema.js';

/** The settings of a replaced config that `baton init --force` writes again: all but those init decides. */
export type KeptSettings = Omit<ConfigInput, '$schema' | 'agent' | 'test'>;

/**
 * The `baton.config.json` that `baton init` writes (pure); no `$schema` without a path to give. `kept`
 * holds the settings of the config it replaces (its `specs` folder, `copy`, `base`…), written again.
 */
export function renderConfig(
  schemaRef: string | undefined,
  agent = 'claude',
  test?: string,
  kept: KeptSettings = {},
): string {
  const config = {
    ...(schemaRef !== undefined ? { $schema: schemaRef } : {}),
    agent,
    specs: 'specs',
    ...kept,
    ...(test !== undefined ? { test } : {}),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * `.gitignore` text with `.baton/` ignored: the text itself when git already ignores it (`ignored`, as
 * `git check-ignore` says), otherwise the line appended (never rewriting what the user wrote) (pure).
 */
export function ignoreBatonFolder(
  existing: string | undefined,
  already: boolean,
): { text: string; changed: boolean } {
  const current = existing ?? '';
  if (already) return { text: current, changed: false };
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  return {
    text: `${current}${sep}# Baton's log, task files and agent logs (never committed)\n.baton/\n`,
    changed: true,
  };
}

/** What `baton init` learns of the project from a few files at its root (absent file: undefined). */
export interface ProjectProbe {
  /** Its text, a byte order mark dropped. */
  packageJson?: string;
  /** Why a package.json that is there could not be read ("is a FIFO, not a regular file"). */
  packageJsonUnread?: string;
  makefile?: string;
  pyproject?: string;
  /** pytest.ini, tox.ini, setup.cfg or conftest.py present, or a tests/ folder of test_*.py files. */
  pytestConfig?: boolean;
  goMod?: boolean;
  cargoToml?: boolean;
}

/** The project's test runner: the whole-suite command for the config, and the per-feature form for criteria. */
export interface TestRunner {
  /** The whole suite, e.g. `npm test`; written to the config's `test`. */
  command: string;
  /** Where it was found, for the message (`package.json "test" (vitest)`). */
  source: string;
  /** The command that runs one feature's tests, for the template's criterion. */
  forFeature(name: string): string;
}

/** npm's placeholder script, which fails on purpose: not a test command. */
const NPM_PLACEHOLDER = /no test specified/;

/** Finds the test command the way a newcomer would look: package.json, pytest, go, cargo, then make (pure). */
export function detectTestRunner(probe: ProjectProbe): TestRunner | undefined {
  const script = npmTestScript(probe.packageJson);
  if (script !== undefined) {
    // Each runner filters differently: `npm test -- auth` fails under `node --test` (it is read as a path).
    if (/\bnode\b[^&|;]*--test\b/.test(script)) {
      return {
        command: 'npm test',
        source: 'package.json "test" (node --test)',
        forFeature: (n) => `node --test test/${n}/`,
      };
    }
    const runner = /\b(vitest|jest|mocha|ava|tap)\b/.exec(script)?.[1];
    if (runner === 'mocha') {
      return {
        command: 'npm test',
        source: 'package.json "test" (mocha)',
        forFeature: (n) => `npx mocha --recursive test/${n}`,
      };
    }
    if (runner !== undefined) {
      return {
        command: 'npm test',
        source: `package.json "test" (${runner})`,
        forFeature: (n) => `npm test -- ${n}`,
      };
    }
    return { command: 'npm test', source: 'package.json "test"', forFeature: () => 'npm test' };
  }
  if (probe.pytestConfig || (probe.pyproject !== undefined && /\bpytest\b/.test(probe.pyproject))) {
    // pytest exits 5 when -k selects nothing, so a feature without tests fails its criterion.
    return { command: 'pytest', source: 'pytest', forFeature: (n) => `pytest -k ${n.replace(/-/g, '_')}` };
  }
  if (probe.goMod) {
    return { command: 'go test ./...', source: 'go.mod', forFeature: (n) => `go test ./src/${n}/...` };
  }
  if (probe.cargoToml) {
    return {
      command: 'cargo test',
      source: 'Cargo.toml',
      forFeature: (n) => `cargo test ${n.replace(/-/g, '_')}`,
    };
  }
  if (probe.makefile !== undefined && /^test\s*:/m.test(probe.makefile)) {
    return { command: 'make test', source: 'Makefile "test" target', forFeature: () => 'make test' };
  }
  return undefined;
}

/**
 * Why package.json's "test" script could not be looked at: the file could not be read, or is not JSON
 * (pure); undefined when it was read and parsed, or there is none.
 */
export function packageJsonProblem(probe: ProjectProbe): string | undefined {
  if (probe.packageJsonUnread !== undefined) return probe.packageJsonUnread;
  if (probe.packageJson === undefined) return undefined;
  try {
    JSON.parse(probe.packageJson);
    return undefined;
  } catch (err) {
    return `is not valid JSON (${(err as Error).message})`;
  }
}

function npmTestScript(packageJson: string | undefined): string | undefined {
  if (packageJson === undefined) return undefined;
  try {
    const script = (JSON.parse(packageJson) as { scripts?: { test?: unknown } }).scripts?.test;
    return typeof script === 'string' && script.trim() !== '' && !NPM_PLACEHOLDER.test(script)
      ? script
      : undefined;
  } catch {
    return undefined;
  }
}
