// Worker threads that yield to the main thread (src/process/yield-to-main.ts): on Linux the worker alone
// drops to nice 19 and the main thread keeps its priority — for the function, for the code given to eval'd
// workers, and for the thread that hashes the log during status's first read (`hashAhead`).
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { hashAhead } from '../../src/log/prefix-stamp.js';
import { YIELD_TO_MAIN_THREAD_CODE } from '../../src/process/yield-to-main.js';

/** Runs `code` in a worker (CommonJS, eval'd) and gives what it posts. */
function inWorker(code: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

const postPriority =
  "require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority(0));";

/** The ids of this process's threads, other than the main one, that run at nice 19 (Linux /proc). */
function nicedThreads(): Set<string> {
  const niced = new Set<string>();
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '19') niced.add(tid);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return niced;
}

describe.runIf(process.platform === 'linux')('yieldToMainThread', () => {
  test('the built function lowers the worker thread to nice 19 and leaves the main thread as it was', async () => {
    const before = getPriority(0);
    const built = pathToFileURL(join(import.meta.dirname, '../../dist/process/yield-to-main.js')).href;
    const code = `import(${JSON.stringify(built)}).then((m) => { m.yieldToMainThread(); ${postPriority} });`;
    expect(await inWorker(code)).toBe(19);
    expect(getPriority(0)).toBe(before);
  });

  test('the code for eval’d workers does the same', async () => {
    const before = getPriority(0);
    expect(await inWorker(`${YIELD_TO_MAIN_THREAD_CODE}\n${postPriority}`)).toBe(19);
    expect(getPriority(0)).toBe(before);
  });

  test('the thread hashing the log ahead runs at nice 19 and still gives the hash', () => {
    const before = getPriority(0);
    const file = join(mkdtempSync(join(tmpdir(), 'baton-yield-')), 'log.jsonl');
    // A sparse file: nothing written to disk, yet 64 MiB for the thread to read and hash.
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024);
    // Threads of the tests above may not have ended yet: only a new one counts.
    const nicedBefore = nicedThreads();
    const ahead = hashAhead(file, 64 * 1024 * 1024);
    // Hashing 64 MiB takes this thread's worker far longer than the lookups below.
    let seen = false;
    const until = Date.now() + 5000;
    while (!seen && Date.now() < until) seen = [...nicedThreads()].some((tid) => !nicedBefore.has(tid));
    expect(seen).toBe(true);
    expect(ahead.take(64 * 1024 * 1024)).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(getPriority(0)).toBe(before);
  });
});
