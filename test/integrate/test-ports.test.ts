/**
 * The test command after each merge gets the same `PORT`: a server it left running outside its group
 * (`setsid server &`) is stopped as soon as that test ends, so the test after the next merge starts its
 * own server on the port and meets the code just merged, not a server from the merge before.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { projectRepo } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/**
 * A server on $PORT answering the features present in src/ when it started (it exits by itself after
 * 60 s). The suite's other files use the same default ports, and an http check or the demo binds a
 * port for a moment to see it free: a listen that meets such a bind tries again for up to 10 s.
 */
const SERVER = `const v = require('fs').readdirSync('src').sort().join(',');
const s = require('http').createServer((q, r) => r.end(v));
const until = Date.now() + 10000;
const listen = () => s.listen(Number(process.env.PORT));
s.on('error', (e) => (e.code === 'EADDRINUSE' && Date.now() < until ? setTimeout(listen, 100) : process.exit(2)));
listen();
setTimeout(() => process.exit(0), 60000).unref();
s.on('close', () => process.exit(0));
`;

/** Asks the server on $PORT (waiting up to 10 s for one) and exits 0 when it names the features in src/. */
const ASK = `const want = require('fs').readdirSync('src').sort().join(',');
const until = Date.now() + 10000;
const ask = () => require('http').get({ host: '127.0.0.1', port: Number(process.env.PORT) }, (r) => {
  let got = ''; r.on('data', (d) => { got += d; });
  r.on('end', () => { console.log('server says [' + got + '], worktree has [' + want + ']'); process.exit(got === want ? 0 : 1); });
}).on('error', () => (Date.now() < until ? setTimeout(ask, 100) : (console.log('no server'), process.exit(1))));
ask();
`;

function integrate(root: string, test: string) {
  // A real process, killed if it hangs (a bound, not an assertion on time).
  return spawnSync(process.execPath, [BATON_BIN, 'integrate', '--test', test, '--test-timeout', '30'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 90_000,
    killSignal: 'SIGKILL',
  });
}

describe('integrate --test and a server the test command left on its port', () => {
  it('stops it when that test ends: the test after the next merge meets a server of the new merge', () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const dir = join(repo.root, '..');
    writeFileSync(join(dir, 'server.js'), SERVER);
    writeFileSync(join(dir, 'ask.js'), ASK);
    const r = integrate(
      repo.root,
      `setsid node ${join(dir, 'server.js')} >/dev/null 2>&1 & node ${join(dir, 'ask.js')}`,
    );
    expect(r.signal, `baton integrate hung: ${r.stdout}${r.stderr}`).toBeNull();
    expect(r.stdout, r.stdout + r.stderr).not.toMatch(/Tests failed/);
    // A passing test's line names what it left running too, and that it was stopped.
    for (const id of ['a', 'b'])
      expect(r.stdout).toMatch(
        new RegExp(
          `tests after ${id}: passed \\(exit 0, [^)]*\\); it left 1 process running, stopped by Baton at once \\(one listened on port \\d+, the integration's\\): (setsid )?node `,
        ),
      );
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 120_000);

  it("names the server in a failing test's reason, stopped at once for the port it held", () => {
    repo = projectRepo([{ id: 'a' }]);
    const dir = join(repo.root, '..');
    writeFileSync(join(dir, 'server.js'), SERVER);
    writeFileSync(join(dir, 'ask.js'), ASK);
    const r = integrate(
      repo.root,
      `setsid node ${join(dir, 'server.js')} >/dev/null 2>&1 & node ${join(dir, 'ask.js')}; exit 1`,
    );
    expect(r.signal, `baton integrate hung: ${r.stdout}${r.stderr}`).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /Tests failed after merging a \(merge 1 of 1\): exit 1; it left 1 process running, stopped by Baton at once \(one listened on port \d+, the integration's\): (setsid )?node /,
    );
  }, 120_000);
});
