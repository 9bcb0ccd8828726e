import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILES } from '../config.js';
import { ignoreBatonFolder, renderConfig } from '../contracts/scaffold.js';
import { renderContract } from '../contracts/template.js';
import { UserError } from '../errors.js';
import { findRepoRoot } from '../git/git.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { palette } from './style.js';

const SAMPLE_ID = 'feature-001-example';

/** Where the published schemas are, as a path an editor can follow from `from` (a folder in the project). */
export function schemaReference(ctx: CliContext, root: string, from: string, file: string): string {
  const installed = resolve(dirname(ctx.batonBin), '..', 'schema', file);
  // A copy of Baton inside the project (node_modules) can be referenced relatively; a global one cannot move with it.
  const target =
    installed.startsWith(root + sep) && existsSync(installed)
      ? installed
      : join(root, 'node_modules', 'baton-cli', 'schema', file);
  const path = relative(from, target);
  return path.startsWith('..') ? path : `./${path}`;
}

/** `baton init`: a config, `.baton/` ignored by git, and one sample contract. */
export const registerInit: RegisterCommand = (program, ctx) => {
  program
    .command('init')
    .summary('set up Baton here: a config, .baton/ in .gitignore, a sample contract')
    .description(
      'Set up Baton in this git repository: write baton.config.json, add .baton/ to .gitignore (appending, never ' +
        'rewriting) and a sample contract in specs/feature-001-example/contract.md. Existing files are never ' +
        'overwritten without --force.',
    )
    .option('--force', 'overwrite an existing config or sample contract')
    .option('--agent <name>', 'default agent written to the config', 'claude')
    .option('--json', 'print { root, created: [...], gitignore } as JSON')
    .action((flags: { force?: boolean; agent: string; json?: boolean }) => initProject(ctx, flags));
};

async function initProject(ctx: CliContext, flags: { force?: boolean; agent: string; json?: boolean }) {
  const root = await findRepoRoot(ctx.cwd).catch(() => {
    throw new UserError('init/not-a-repo', `${ctx.cwd} is not inside a git repository`, {
      hint: 'Baton keeps one git worktree per feature, so it needs a repository: run `git init` first (and commit once).',
    });
  });
  const configFile = join(root, 'baton.config.json');
  const contractDir = join(root, 'specs', SAMPLE_ID);
  const contractFile = join(contractDir, 'contract.md');
  const existing = [...CONFIG_FILES.map((f) => join(root, f)), contractFile].filter((f) => existsSync(f));
  if (existing.length > 0 && !flags.force) {
    const names = existing.map((f) => relative(root, f)).join(', ');
    throw new UserError('init/exists', `not overwriting ${names}: already there`, {
      hint: 'Run `baton init --force` to replace them, or `baton new <name>` to add a contract.',
    });
  }
  const created: string[] = [];
  writeFileSync(
    configFile,
    renderConfig(schemaReference(ctx, root, root, 'config.schema.json'), flags.agent),
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

  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify({ root, created, gitignore }, null, 2)}\n`);
    return;
  }
  const p = palette(ctx.color);
  ctx.stdout.write(
    [
      ...created.map((f) => `${p.green('created')} ${f}`),
      `${ignore.changed ? p.green('updated') : p.dim('kept')} .gitignore (.baton/ ${gitignore})`,
      '',
      'Next:',
      '  baton new <name>   write a contract per feature (specs/feature-NNN-<name>/contract.md)',
      '  baton lint         check that every criterion is measurable and owned paths do not overlap',
      '  baton plan         see the waves, the critical path and the best possible speedup',
      '',
    ].join('\n'),
  );
}
