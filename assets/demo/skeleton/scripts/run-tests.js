// Runs every test/*.test.js in this one process: the same tests `node --test` runs, without
// starting a process (two, with the runner's) per file — most of the suite's time on a small machine.
// A failing test sets the exit code to 1, as `node --test` does.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = join(import.meta.dirname, '..', 'test');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .sort();
for (const file of files) await import(pathToFileURL(join(dir, file)).href);
