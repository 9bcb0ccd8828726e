// `run --dry-run` shows what a run would start. For an interactive feature it used to show the
// headless command (`claude -p … < task.md`), not the TUI in a tmux window a real run opens; and a
// plain `run --resume --dry-run` left out the interactive mode the resume itself keeps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const failing: TestContract = { id: 'a', agent: { command: 'exit 3' } };

function project(): TempRepo {
  const repo = makeRepo({ '.gitignore': '.baton/\n', ...contractFiles([failing]) });
  repos.push(repo);
  return repo;
}

const windowLine = /^ {2}in tmux window a of session baton-RUN_ID: sh -c 'exit 3'$/m;

describe('run --dry-run of interactive features', () => {
  it('says the agent runs in a tmux window, and a headless dry run does not', async () => {
    const repo = project();
    const interactive = await runBaton(['run', '--dry-run', '--interactive'], { cwd: repo.root });
    expect(interactive.code, interactive.stderr).toBe(0);
    expect(interactive.stdout).toMatch(windowLine);
    const headless = await runBaton(['run', '--dry-run'], { cwd: repo.root });
    expect(headless.stdout).toMatch(/^ {2}sh -c 'exit 3'$/m);
    expect(headless.stdout).not.toContain('tmux');
  });

  it('shows the interactive mode a plain --resume keeps from the run it resumes', async () => {
    const repo = project();
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    // The run was interactive (its run.started says so; a real one needs tmux, which this test does not).
    const log = join(repo.root, '.baton', 'log.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"run.started"'));
    lines[at] = JSON.stringify({ ...JSON.parse(lines[at] ?? ''), interactive: true });
    writeFileSync(log, lines.join('\n'));
    const resumed = await runBaton(['run', '--resume', '--dry-run'], { cwd: repo.root });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(windowLine);
  });

  it('an `interactive` object without `enabled` turns runs interactive; --no-interactive runs headless, queued too', async () => {
    const repo = project();
    repo.commit('config', { 'baton.config.json': JSON.stringify({ interactive: { bell: true } }) });
    const byConfig = await runBaton(['run', '--dry-run'], { cwd: repo.root });
    expect(byConfig.code, byConfig.stderr).toBe(0);
    expect(byConfig.stdout).toMatch(windowLine);
    const headless = await runBaton(['run', '--dry-run', '--no-interactive'], { cwd: repo.root });
    expect(headless.code, headless.stderr).toBe(0);
    expect(headless.stdout).toMatch(/^ {2}sh -c 'exit 3'$/m);
    expect(headless.stdout).not.toContain('tmux');
    // A queued run is refused for the config's tmux windows, and not once --no-interactive says headless
    // (it stops next at the missing hub, before any Redis is asked).
    const env = { BATON_HUB: undefined };
    const queue = ['run', '--queue', 'redis://127.0.0.1:1'];
    const refused = await runBaton(queue, { cwd: repo.root, env });
    expect(refused.stderr).toContain('`interactive` in baton.config.json (a tmux window for a)');
    const queued = await runBaton([...queue, '--no-interactive'], { cwd: repo.root, env });
    expect(queued.stderr).not.toContain('interactive');
    expect(queued.stderr).toContain('[queue/no-hub]');
  });
});
