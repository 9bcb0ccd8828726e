import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_LOADERS } from '../../src/cli/commands.js';
import type { CliContext } from '../../src/cli/context.js';
import { createProgram } from '../../src/cli/main.js';
import { UserError } from '../../src/errors.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Every command with its path under `baton` (`phase start`), the nested ones too. */
function commandsOf(cmd: Command, path: string[] = []): Array<{ cmd: Command; path: string[] }> {
  return cmd.commands.flatMap((c) => [
    { cmd: c, path: [...path, c.name()] },
    ...commandsOf(c, [...path, c.name()]),
  ]);
}

const ctx = {
  cwd: '/nonexistent',
  env: {},
  stdout: { write: () => {} },
  stderr: { write: () => {} },
} as unknown as CliContext;

describe('an option given an empty value', () => {
  it('is refused by every command before its action runs, never taken as left out', async () => {
    const registers = await Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
    const program = createProgram(ctx, () => {}, registers);
    const cases = commandsOf(program).flatMap(({ cmd, path }) =>
      cmd.options
        .filter((o) => o.required || o.optional)
        .map((o) => ({
          path,
          flag: o.long ?? o.short ?? o.flags,
          args: cmd.registeredArguments.filter((a) => a.required).map(() => 'x'),
        })),
    );
    expect(cases.map((c) => `${c.path.join(' ')} ${c.flag}`)).toEqual(
      expect.arrayContaining([
        'run --agent',
        'run --base',
        'integrate --test',
        'init --test',
        'dashboard --host',
      ]),
    );
    for (const { path, flag, args } of cases) {
      for (const value of ['', '  ']) {
        // A fresh program each time, every action replaced: what would run is recorded, nothing runs.
        const fresh = createProgram(ctx, () => {}, registers);
        const ran: string[] = [];
        for (const { cmd, path: p } of commandsOf(fresh)) cmd.action(() => void ran.push(p.join(' ')));
        const said = await fresh.parseAsync([...path, ...args, flag, value], { from: 'user' }).then(
          () => undefined,
          (err: unknown) => err,
        );
        const what = `baton ${path.join(' ')} ${flag} ${JSON.stringify(value)}`;
        expect(ran, what).toEqual([]);
        // Refused by the one rule, or earlier by the option's own parser (a port, a choice): a usage error either way.
        if (said instanceof UserError) {
          expect([said.code, said.message, said.exitCode], what).toEqual([
            `${path[path.length - 1]}/empty-flag`,
            `${flag} is empty`,
            2,
          ]);
        } else {
          expect(said, what).toBeInstanceOf(CommanderError);
        }
      }
    }
  });

  it('baton run --agent "$AGENT" --base "$BASE" with both unset: a usage error, not the config\'s agent', async () => {
    const r = makeRepo({
      'baton.config.json': '{"agent":"claude"}\n',
      '.gitignore': '.baton/\n',
      'specs/a/contract.md':
        '---\nfeature_id: a\nowns: ["src/a/**"]\nacceptance_criteria: [{id: t, text: x, run: "true"}]\n---\n',
    });
    repos.push(r);
    for (const flags of [['--agent', ''], ['--base', ''], ['--base=']]) {
      const out = await runBaton(['run', '--dry-run', ...flags], { cwd: r.root });
      expect(out.code, out.stdout + out.stderr).toBe(2);
      const flag = flags[0]?.replace('=', '');
      expect(out.stderr).toContain(`baton: ${flag} is empty [run/empty-flag]`);
      expect(out.stderr).toContain(`hint: Give ${flag} a value, or leave it out for its default.`);
      expect(out.stdout).toBe('');
    }
    // init's --test "" no longer means "detect one": refused, nothing written.
    const init = await runBaton(['init', '--force', '--test', ''], { cwd: r.root });
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('baton: --test is empty [init/empty-flag]');
    expect(existsSync(join(r.root, 'specs/feature-001-example'))).toBe(false);
  });
});
