// Regenerates src/cli/help-index.ts's HELP_INDEX from the real commands (run after `npm run build`):
// `baton --help` lists commands from that table without loading their modules, and
// test/perf/cli-start.test.ts fails when the table and the commands drift apart.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Help } from 'commander';
import { COMMAND_LOADERS } from '../dist/cli/commands.js';
import { createProgram } from '../dist/cli/main.js';

const quiet = { write: () => {}, isTTY: false };
const ctx = {
  cwd: process.cwd(),
  env: process.env,
  stdout: quiet,
  stderr: quiet,
  clock: () => new Date(),
  color: false,
};
const program = createProgram(ctx, () => {}, await Promise.all(COMMAND_LOADERS.map(([, load]) => load())));
const help = new Help();
const rows = program.commands.map((cmd) => [help.subcommandTerm(cmd), help.subcommandDescription(cmd)]);
const file = join(import.meta.dirname, '..', 'src', 'cli', 'help-index.ts');
const text = readFileSync(file, 'utf8');
const start = text.indexOf('export const HELP_INDEX');
const end = text.indexOf('];\n', start) + 3;
const table = `export const HELP_INDEX: ReadonlyArray<readonly [term: string, summary: string]> = ${JSON.stringify(rows, null, 2)};\n`;
writeFileSync(file, text.slice(0, start) + table + text.slice(end));
// The table is written as JSON; the formatter gives it the house style so the file diffs only where the help changed.
execFileSync(join(import.meta.dirname, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', file], {
  stdio: 'ignore',
});
console.log(`help-index: ${rows.length} commands`);
