import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { freePort, startRedis } from '../queue/rig.js';
import { runBaton } from '../rig/cli.js';
import { contractText } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A project of demo-agent features with `config` as its baton.config.json, all committed. */
function project(
  config: object,
  features: { id: string; interactive?: boolean }[] = [{ id: 'a' }],
): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': `${JSON.stringify({ agent: 'demo', ...config })}\n`,
    ...Object.fromEntries(
      features.map((f) => {
        const text = contractText({ id: f.id, agent: 'demo' });
        return [
          `specs/${f.id}/contract.md`,
          f.interactive ? text.replace('---\n', '---\ninteractive: true\n') : text,
        ];
      }),
    ),
  });
}

async function doctor(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Map<string, DoctorCheck>> {
  const r = await runBaton(['doctor', '--json'], { cwd, env });
  const json = JSON.parse(r.stdout) as { checks: DoctorCheck[] };
  return new Map(json.checks.map((c) => [c.name, c]));
}

/** A PATH with git and sh but no tmux. */
function pathWithoutTmux(root: string): string {
  const bin = join(root, '..', 'no-tmux-bin');
  mkdirSync(bin);
  for (const tool of ['git', 'sh', 'test']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  return bin;
}

/** The refusal of `baton run` (its baton: line and hint) in `cwd`. */
async function runRefusal(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ line: string | undefined; hint: string | undefined }> {
  const r = await runBaton(['run'], { cwd, env });
  return { line: /^baton: (.*)$/m.exec(r.stderr)?.[1], hint: /^hint: (.*)$/m.exec(r.stderr)?.[1] };
}

describe('baton doctor says what `baton run` will refuse because of the config', () => {
  it('fails tmux when the config makes runs interactive and tmux is missing, with the hint run gives', async () => {
    repo = project({ interactive: true });
    const env = { PATH: pathWithoutTmux(repo.root) };
    const tmux = (await doctor(repo.root, env)).get('tmux');
    const run = await runRefusal(repo.root, env);
    expect(run.line).toBe(
      '`interactive` in baton.config.json runs each agent in a tmux window, and tmux is not installed [interactive/no-tmux]',
    );
    // Not "run without --interactive": no such flag was given.
    expect(run.hint).toContain('or turn `interactive` off in baton.config.json.');
    expect(tmux).toMatchObject({
      status: 'fail',
      detail:
        '`baton run` will refuse it [interactive/no-tmux]: `interactive` in baton.config.json runs each agent in a tmux window, and tmux is not installed',
      hint: run.hint,
    });
  });

  it('names the contract that makes its feature interactive, and says nothing of tmux when nothing does', async () => {
    repo = project({}, [{ id: 'a', interactive: true }]);
    const env = { PATH: pathWithoutTmux(repo.root) };
    const tmux = (await doctor(repo.root, env)).get('tmux');
    expect(tmux?.status).toBe('fail');
    expect(tmux?.hint).toContain("or remove `interactive: true` from a's contract.");
    expect((await runRefusal(repo.root, env)).hint).toBe(tmux?.hint);
    repo.cleanup();
    repo = project({});
    expect((await doctor(repo.root, { PATH: pathWithoutTmux(repo.root) })).has('tmux')).toBe(false);
  });

  it("fails the config when its base is a Baton branch, with run's words and hint", async () => {
    repo = project({ base: 'baton/a' });
    repo.git('branch', 'baton/a');
    const config = (await doctor(repo.root)).get('config');
    const run = await runRefusal(repo.root);
    expect(run.line).toBe(
      'the base "baton/a" (`base` in baton.config.json) is a Baton branch: the features\' branches would be cut from work Baton itself moves and deletes, not from yours [run/bad-base]',
    );
    expect(config).toMatchObject({
      status: 'fail',
      detail: `\`baton run\` will refuse it [run/bad-base]: ${run.line?.replace(' [run/bad-base]', '')}`,
      hint: run.hint,
    });
  });

  it("fails the queue when the config's Redis does not answer, and run's hint names the config, not --queue", async () => {
    const port = await freePort();
    repo = project({ queue: `redis://127.0.0.1:${port}`, hub: '../hub.git' });
    const queue = (await doctor(repo.root)).get('queue');
    const run = await runRefusal(repo.root);
    expect(run.line).toMatch(/\[queue\/unreachable\]$/);
    expect(run.hint).toBe(
      'Start it (redis-server, or docker run -p 6379:6379 valkey/valkey) or fix `queue` in baton.config.json.',
    );
    expect(queue).toMatchObject({ status: 'fail', hint: run.hint });
    expect(queue?.detail).toMatch(
      /^`baton run` will refuse it \[queue\/unreachable\]: cannot reach Redis at /,
    );
  });

  it('passes the queue when Redis answers there', async () => {
    const redis = await startRedis();
    try {
      repo = project({ queue: redis.url, hub: '../hub.git' });
      expect((await doctor(repo.root)).get('queue')).toMatchObject({
        status: 'ok',
        detail: `Redis at ${redis.url} answers (\`queue\` in baton.config.json)`,
      });
    } finally {
      await redis.stop();
    }
  });

  it("fails the config when its worktrees folder is Baton's state folder, though git ignores it, as run refuses it", async () => {
    repo = project({ worktrees: '.baton' });
    const config = (await doctor(repo.root)).get('config');
    const run = await runRefusal(repo.root);
    expect(run.line).toBe(
      "the worktrees folder .baton (`worktrees` in baton.config.json) is Baton's state folder .baton: features' worktrees there would mix with the files git or Baton keeps there [run/worktrees-own-folder]",
    );
    expect(config).toMatchObject({
      status: 'fail',
      detail: `\`baton run\` will refuse it [run/worktrees-own-folder]: ${run.line?.replace(/ \[run\/worktrees-own-folder\]$/, '')}`,
      hint: run.hint,
    });
  });

  it('fails the config when its worktrees folder is inside the repository and not ignored, as run refuses it', async () => {
    repo = project({ worktrees: 'wt' });
    const config = (await doctor(repo.root)).get('config');
    const run = await runRefusal(repo.root);
    expect(run.line).toMatch(/\[run\/worktrees-inside\]$/);
    expect(config).toMatchObject({
      status: 'fail',
      detail: `\`baton run\` will refuse it [run/worktrees-inside]: ${run.line?.replace(/ \[run\/worktrees-inside\]$/, '')}`,
      hint: run.hint,
    });
    // Ignored, it passes.
    repo.commit('ignore wt', { '.gitignore': '.baton/\nwt/\n' });
    expect((await doctor(repo.root)).get('config')).toMatchObject({ status: 'ok' });
  });
});
