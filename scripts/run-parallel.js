#!/usr/bin/env node
// `npm test`'s steps: runs the named npm scripts at the same time (lint, typecheck and build each use
// about one core, and each tsc pass is single-threaded), prints each one's output whole when it ends
// (never interleaved), and exits 1 if any of them failed — after all have ended, so every failure is
// shown at once.
//
//   node scripts/run-parallel.js lint typecheck build
//   node scripts/run-parallel.js typecheck --live test:unit --reporter=dot
//
// `--live <name> [args…]` runs one more script beside the others with its output passed through as it
// comes (the test run, whose progress is worth seeing) and everything after its name as its arguments;
// the others' output is then printed after it ends, never into its live display. npm test runs typecheck
// beside vitest this way: alone, typecheck's one tsc pass kept one of two cores idle for ~11 s before the
// first test started.
//
// Ctrl-C reaches the scripts from the terminal, and this waits for them to end; SIGTERM is passed on.
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = process.argv.slice(2);
const at = args.indexOf('--live');
const names = at === -1 ? args : args.slice(0, at);
const live = at === -1 ? undefined : args[at + 1];
const liveArgs = at === -1 ? [] : args.slice(at + 2);
if ((names.length === 0 && !live) || (at !== -1 && !live)) {
  process.stderr.write(
    'usage: node scripts/run-parallel.js <npm script>... [--live <npm script> [args...]]\n',
  );
  process.exit(2);
}

const children = new Set();
// The terminal's Ctrl-C reaches every script itself: this one waits for them to finish stopping, so the
// prompt does not come back while a test run still tears down.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGTERM');
});

/** Output of the scripts run beside a live one, printed once it has ended. */
const held = [];
const print = (text) => (live ? held.push(text) : process.stdout.write(text));

/** Runs `npm run <name>` with its output captured; resolves to whether it exited 0. */
function run(name) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(npm, ['run', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let done = false;
    const finish = (ok, note = '') => {
      if (done) return;
      done = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const out = Buffer.concat(chunks).toString();
      children.delete(child);
      print(`\n> ${name}: ${ok ? 'ok' : 'FAILED'} (${seconds} s)${note}\n${out}`);
      resolve(ok);
    };
    child.on('error', (err) => finish(false, ` ${err.message}`));
    child.on('close', (code, signal) => finish(code === 0, signal ? ` (${signal})` : ''));
  });
}

/** Runs `npm run <name> -- <args>` with the terminal's output; resolves to whether it exited 0. */
function runLive(name, extra) {
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '-s', name, ...(extra.length > 0 ? ['--', ...extra] : [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    child.on('error', (err) => {
      process.stderr.write(`${name}: ${err.message}\n`);
      resolve(false);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code !== 0) process.stdout.write(`\n> ${name}: FAILED (${signal ?? `exit ${code}`})\n`);
      resolve(code === 0);
    });
  });
}

const results = await Promise.all([...names.map(run), ...(live ? [runLive(live, liveArgs)] : [])]);
for (const text of held) process.stdout.write(text);
// A script that failed beside the live one is named again at the very end, where one looks.
const failed = names.filter((_, i) => !results[i]);
if (live && failed.length > 0)
  process.stdout.write(`\n> FAILED beside ${live}: ${failed.join(', ')} (output above)\n`);
process.exit(results.every(Boolean) ? 0 : 1);
