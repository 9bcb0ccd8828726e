import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { AGENT, freePort, queueScope } from './rig.js';

describe('what a queued run does not honour is refused, not ignored', () => {
  test('--wait-for-deps, --attempts, --select, --interactive, and attempts: in a contract or the config (exit 2, nothing reaches Redis)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const p = s.project(2);
    // No Redis listens there: a run that got past the flags would say it cannot reach it (exit 1).
    const queue = `redis://127.0.0.1:${await freePort()}`;
    const run = (...args: string[]) =>
      runBaton(['run', '--queue', queue, '--hub', p.hub, ...args], { cwd: p.repo.root });
    const refused: Array<[string[], string, string]> = [
      [['--wait-for-deps'], '--wait-for-deps does not apply with --queue', 'run/wait-for-deps-queue'],
      [['--attempts', '2'], '--attempts does not apply with --queue', 'run/attempts-queue'],
      [['--select', 'first-passing'], '--select does not apply with --queue', 'run/select-queue'],
      [['--interactive'], '--interactive does not apply with --queue', 'run/interactive-queue'],
    ];
    for (const [args, said, code] of refused) {
      const r = await run(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${said}: `);
      expect(r.stderr).toContain(`[${code}]`);
    }
    // What asks for nothing a queued run lacks goes on to the queue.
    const plain = await run('--no-wait-for-deps');
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stderr).toContain('cannot reach Redis');
    const contract = join(p.repo.root, 'specs/feature-002/contract.md');
    p.repo.write({
      'specs/feature-002/contract.md': readFileSync(contract, 'utf8').replace('---\n', '---\nattempts: 2\n'),
    });
    const inContract = await run();
    expect(inContract.code, inContract.stderr).toBe(2);
    expect(inContract.stderr).toContain(
      '`attempts:` in specs/feature-002/contract.md (best-of-N for feature-002) does not apply with --queue',
    );
    // Only the selected features' contracts count.
    expect((await run('feature-001')).stderr).toContain('cannot reach Redis');
    p.repo.write({
      'baton.config.json': JSON.stringify({ agent: { command: AGENT }, attempts: 3 }),
      'specs/feature-002/contract.md': readFileSync(contract, 'utf8').replace('attempts: 2\n', ''),
    });
    const inConfig = await run();
    expect(inConfig.code, inConfig.stderr).toBe(2);
    expect(inConfig.stderr).toContain('`attempts:` in baton.config.json (best-of-N for feature-001)');
    // A tmux window asked by a contract, or by the config for every run, is refused like --interactive.
    p.repo.write({
      'baton.config.json': JSON.stringify({ agent: { command: AGENT } }),
      'specs/feature-002/contract.md': readFileSync(contract, 'utf8').replace(
        '---\n',
        '---\ninteractive: true\n',
      ),
    });
    const windowed = await run();
    expect(windowed.code, windowed.stderr).toBe(2);
    expect(windowed.stderr).toContain(
      '`interactive` in specs/feature-002/contract.md (a tmux window for feature-002) does not apply with --queue',
    );
    expect(windowed.stderr).toContain('[run/interactive-queue]');
    p.repo.write({
      'baton.config.json': JSON.stringify({ agent: { command: AGENT }, interactive: true }),
      'specs/feature-002/contract.md': readFileSync(contract, 'utf8').replace('interactive: true\n', ''),
    });
    const byDefault = await run();
    expect(byDefault.code, byDefault.stderr).toBe(2);
    expect(byDefault.stderr).toContain('`interactive` in baton.config.json (a tmux window for feature-001)');
    expect(p.events()).toEqual([]);
  }, 60_000);

  test('port blocks past 65535 are refused as a local run refuses them (exit 1, nothing reaches Redis)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    // 54 features from port_base 65000: the last block, 65530-65539, passes the highest TCP port.
    const p = s.project(54);
    p.repo.write({ 'baton.config.json': JSON.stringify({ agent: { command: AGENT }, port_base: 65000 }) });
    const queue = `redis://127.0.0.1:${await freePort()}`;
    const run = (...args: string[]) =>
      runBaton(['run', '--queue', queue, '--hub', p.hub, ...args], { cwd: p.repo.root });
    const r = await run();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('[run/ports-exhausted]');
    expect(r.stderr).toContain('it needs 54 blocks of 10');
    // One feature fewer fits: it goes on to the queue.
    expect((await run(...p.ids.slice(0, 53))).stderr).toContain('cannot reach Redis');
    expect(p.events()).toEqual([]);
  }, 60_000);
});
