// Runs every bench/*.bench.js (or those named on the command line) one after another, each writing
// bench/results/<name>.json with a `markdown` summary, then rebuilds BENCHMARKS.md from all results.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${file} exited ${r.status}`);
  }
}

const results = readdirSync(join(here, 'results'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(here, 'results', f), 'utf8')));
const sections = results.map(
  (r) =>
    `## ${r.title}\n\n${r.markdown.trim()}\n\n_Measured ${r.measured_at} on ${r.machine}; rerun with \`${r.command}\`._\n`,
);
writeFileSync(
  join(here, '..', 'BENCHMARKS.md'),
  `# Benchmarks\n\nEvery figure here comes from \`npm run bench\` (one bench: \`npm run bench -- <name>\`), which writes the raw\nnumbers to \`bench/results/*.json\` and rebuilds this file. Each bench measures Baton side by side with the\nbaseline a user would otherwise use, in the same run, and reports medians and ratios: these machines are small\n(2 cores) and noisy, so single timings mean little.\n\n${sections.join('\n')}`,
);
process.exitCode = failed ? 1 : 0;
