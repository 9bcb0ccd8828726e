#!/usr/bin/env node
// `npm test`'s checks before vitest: runs the named npm scripts at the same time (lint, typecheck and
// build each use about one core, and each tsc pass is single-threaded), prints each one's output whole
// when it ends (never interleaved), and exits 1 if any of them failed — after all have ended, so every
// failure is shown at once.
//
//   node scripts/run-parallel.js lint typecheck build
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('usage: node scripts/run-parallel.js <npm script>...\n');
  process.exit(2);
}

/** Runs `npm run <name>` with its output captured; resolves to whether it exited 0. */
function run(name) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(npm, ['run', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let done = false;
    const finish = (ok, note = '') => {
      if (done) return;
      done = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const out = Buffer.concat(chunks).toString();
      process.stdout.write(`\n> ${name}: ${ok ? 'ok' : 'FAILED'} (${seconds} s)${note}\n${out}`);
      resolve(ok);
    };
    child.on('error', (err) => finish(false, ` ${err.message}`));
    child.on('close', (code, signal) => finish(code === 0, signal ? ` (${signal})` : ''));
  });
}

const results = await Promise.all(names.map(run));
process.exit(results.every(Boolean) ? 0 : 1);
