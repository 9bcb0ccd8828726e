#!/usr/bin/env node
// `npm test`'s pretest: brings what the tests need onto a fresh machine that has only Node and git, and
// says what it does. It never lets a test be skipped for want of something: when it cannot install a
// part, it stops with the exact command to run.
//
//   - test-agents/node_modules: the real agent CLIs for the end-to-end agent tests (npm install, not
//     npm ci: npm's lock file leaves out opencode-ai's per-platform optional packages and `npm ci`
//     then refuses it as out of sync).
//   - chromium, redis-server, tmux: Debian packages for the browser, queue and interactive tests,
//     installed with apt-get when running as root (apt-get update once first).
//
// BATON_SKIP_PROVISION=1 turns it off (for a machine provisioned some other way).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The system programs the tests run, and the Debian package that brings each. */
export const SYSTEM_PROGRAMS = [
  { program: 'chromium', package: 'chromium', why: 'the browser tests (report and dashboard)' },
  { program: 'redis-server', package: 'redis-server', why: 'the queue tests' },
  { program: 'tmux', package: 'tmux', why: 'the interactive-agent tests' },
];

function say(line) {
  process.stdout.write(`pretest: ${line}\n`);
}

function fail(what, command) {
  process.stderr.write(
    `\npretest: ${what}\npretest: run this, then \`npm test\` again:\n\n    ${command}\n\n` +
      'pretest: (the tests are never skipped for want of it; BATON_SKIP_PROVISION=1 bypasses this check)\n',
  );
  process.exit(1);
}

function onPath(program, env = process.env) {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(join(dir, program)));
}

function run(command, args, options = {}) {
  say(`$ ${[command, ...args].join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}`);
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  return r.status === 0;
}

/** The programs test-agents/ puts in node_modules/.bin; any missing means the install is not whole. */
const AGENT_BINS = ['claude', 'codex', 'gemini', 'opencode'];

function ensureAgentClis() {
  const dir = join(ROOT, 'test-agents');
  if (!existsSync(join(dir, 'package.json'))) return;
  const modules = join(dir, 'node_modules');
  // A symlink whose target is gone (or points at itself) is no install: remove the link, never a target.
  if (isLink(modules) && !existsSync(modules)) {
    say('test-agents/node_modules is a broken link: removing the link');
    unlinkSync(modules);
  }
  const missing = AGENT_BINS.filter((b) => !existsSync(join(modules, '.bin', b)));
  if (missing.length === 0) {
    say('test-agents/node_modules is there (the agent CLIs for the end-to-end tests)');
    return;
  }
  say(
    existsSync(modules)
      ? `test-agents/node_modules lacks ${missing.join(', ')}: installing the agent CLIs the end-to-end tests run`
      : 'test-agents/node_modules is missing: installing the agent CLIs the end-to-end tests run',
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!run(npm, ['install', '--no-audit', '--no-fund'], { cwd: dir })) {
    fail(
      'could not install the agent CLIs in test-agents/.',
      'cd test-agents && npm install --no-audit --no-fund',
    );
  }
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function ensureSystemPrograms() {
  const missing = SYSTEM_PROGRAMS.filter((p) => !onPath(p.program));
  if (missing.length === 0) {
    say(`${SYSTEM_PROGRAMS.map((p) => p.program).join(', ')} are installed`);
    return;
  }
  const packages = missing.map((p) => p.package);
  for (const p of missing) say(`${p.program} is missing (needed by ${p.why})`);
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!onPath('apt-get')) {
    fail(
      `${packages.join(', ')} must be installed, and there is no apt-get here.`,
      `install ${packages.join(' ')} with your package manager`,
    );
  }
  if (!isRoot) {
    fail(
      `${packages.join(', ')} must be installed, which needs root.`,
      `sudo apt-get update && sudo ${install}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    !run('apt-get', ['update', '-qq'], { env }) ||
    !run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env })
  ) {
    fail(`apt-get could not install ${packages.join(', ')}.`, `apt-get update && ${install}`);
  }
  const still = missing.filter((p) => !onPath(p.program));
  if (still.length > 0) {
    fail(
      `after apt-get, ${still.map((p) => p.program).join(', ')} is still not on PATH.`,
      `apt-get update && ${install}`,
    );
  }
  say(`installed ${packages.join(', ')}`);
}

if (process.env.BATON_SKIP_PROVISION === '1') {
  say('BATON_SKIP_PROVISION=1: not checking test-agents/ nor system packages');
} else {
  ensureAgentClis();
  ensureSystemPrograms();
}
