/** A config that does not parse, or writes a key twice, is one line at file:line:col from `baton lint`. */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The error lines `baton lint` prints for a repository whose only config file is `name` holding `text`. */
async function lintErrors(name: string, text: string): Promise<string[]> {
  const repo = makeRepo({
    'README.md': '# app\n',
    [name]: text,
    ...contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]),
  });
  repos.push(repo);
  const r = await runBaton(['lint'], { cwd: repo.root });
  expect(r.code).toBe(1);
  const out = r.stdout + r.stderr;
  expect(out).not.toContain('internal error');
  return out.split('\n').filter((l) => l.includes(': error: '));
}

describe('a baton.yaml that is not valid YAML', () => {
  it('names the line and column where the mistake is', async () => {
    expect(await lintErrors('baton.yaml', 'concurrency: 2\nagent: [claude\ntest: npm test\n')).toEqual([
      'baton.yaml:2:8: error: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] [config/invalid-yaml]',
    ]);
    expect(await lintErrors('baton.yml', 'concurrency: 2\n\tagent: claude\n')).toEqual([
      'baton.yml:2:1: error: not valid YAML: Tabs are not allowed as indentation [config/invalid-yaml]',
    ]);
  });

  it("holding two documents (a second `---`, or settings after `...`), says so at the second, not the library's advice", async () => {
    const said = (line: number) =>
      `baton.yaml:${line}:1: error: the config file holds more than one YAML document (the second starts on line ${line}); Baton reads one document of settings [config/multiple-documents]`;
    expect(await lintErrors('baton.yaml', '---\nagent: demo\n---\nconcurrency: 2\n')).toEqual([said(3)]);
    expect(await lintErrors('baton.yaml', 'agent: demo\n...\nconcurrency: 2\n')).toEqual([said(3)]);
  });

  it('reads merge keys (`<<: *defaults`), their keys checked like any other', async () => {
    const text = 'agents:\n  claude: &defaults\n    model: m\n  codex:\n    <<: *defaults\n    modle: n\n';
    expect(await lintErrors('baton.yaml', text)).toEqual([
      'baton.yaml:6: error: unknown key "agents.codex.modle" (did you mean "agents.codex.model"?) [config/unknown-key]',
    ]);
  });
});

describe('a key written twice in a config', () => {
  it('is config/duplicate-key at its second writing, naming the key and its first line (YAML)', async () => {
    const text = 'agent: claude\nretry:\n  attempts: 1\n  attempts: 2\nagent: codex\n';
    expect(await lintErrors('baton.yaml', text)).toEqual([
      'baton.yaml:4:3: error: key "retry.attempts" is written twice (first on line 3); only one would be read [config/duplicate-key]',
      'baton.yaml:5:1: error: key "agent" is written twice (first on line 1); only one would be read [config/duplicate-key]',
    ]);
  });

  it('is config/duplicate-key in baton.config.json too, which JSON.parse would read as the last', async () => {
    const text =
      '{\n  "agent": "claude",\n  "retry": { "attempts": 1, "attempts": 2 },\n  "agent": "codex"\n}\n';
    expect(await lintErrors('baton.config.json', text)).toEqual([
      'baton.config.json:3:29: error: key "retry.attempts" is written twice (first on line 3); only one would be read [config/duplicate-key]',
      'baton.config.json:4:3: error: key "agent" is written twice (first on line 2); only one would be read [config/duplicate-key]',
    ]);
  });

  it('leaves alone the same key in two objects, and a string value that looks like a key', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      'baton.config.json':
        '{ "test": "echo \\"a\\": b", "retry": { "attempts": 2 }, "interactive": { "enabled": false } }\n',
      ...contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]),
    });
    repos.push(repo);
    const r = await runBaton(['lint'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('an estimate keyed by no phase name', () => {
  it('is config/bad-estimate-name at its line: no phase `baton phase` records could meet it', async () => {
    expect(await lintErrors('baton.yaml', 'estimates:\n  planning: 30\n  my phase: 75\n')).toEqual([
      'baton.yaml:3: error: estimates.my phase names no phase `baton phase` can record: a phase name is a-z, 0-9, ".", "_" and "-", starting with a letter or digit [config/bad-estimate-name]',
    ]);
  });
});

describe('two estimates for one phase', () => {
  it('is config/duplicate-estimate at the second, since phase names are lower-cased', async () => {
    expect(await lintErrors('baton.yaml', 'estimates:\n  planning: 30\n  Planning: 75\n')).toEqual([
      'baton.yaml:3: error: estimates.Planning and estimates.planning both name the phase "planning" (phase names are lower-cased); only one would be read [config/duplicate-estimate]',
    ]);
  });
});

describe('a baton.config.json that is not valid JSON', () => {
  it('names the line and column of the mistake', async () => {
    const [line] = await lintErrors('baton.config.json', '{\n  "agent": "claude"\n  "concurrency": 2\n}\n');
    expect(line).toMatch(/^baton\.config\.json:3:3: error: not valid JSON: .* \[config\/invalid-json\]$/);
  });

  it.each([
    ['a single-quoted string', `"test": 'npm test'`, 11],
    ['a capitalised True', '"trust_workers": True', 20],
    ['a missing value', '"test": }', 11],
  ])(
    'names the line and column of %s too (Node gives no position), on one line',
    async (_, line3, column) => {
      const text = `{\n  "concurrency": 2,\n  ${line3}\n}\n`;
      const out = await lintErrors('baton.config.json', text);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(
        new RegExp(
          `^baton\\.config\\.json:3:${column}: error: not valid JSON: .* \\[config/invalid-json\\]$`,
        ),
      );
    },
  );
});

describe('a config file that is there but cannot be read', () => {
  // Not chmod 000: tests may run as root, who reads it anyway. A link through a file (its "folder" is a
  // regular file) cannot be opened by anyone: ENOTDIR, which is neither missing nor another kind of file.
  it('is config/unreadable at the file, saying why, with a hint to make it readable', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]),
    });
    repos.push(repo);
    symlinkSync('README.md/baton.config.json', join(repo.root, 'baton.config.json'));
    const r = await runBaton(['lint'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).not.toContain('internal error');
    expect(out.split('\n').filter((l) => l.includes(': error: '))).toEqual([
      'baton.config.json: error: the config file cannot be read (a part of its path is a file, not a folder, ENOTDIR) [config/unreadable]',
    ]);
    expect(out).toContain('Make baton.config.json readable');
  });
});

describe('a config with several independent problems', () => {
  /** What `baton lint --json` reports for a repository with `config` and `contracts`, as [code, file, line, field]. */
  async function lintAll(config: Record<string, string>, contracts: Record<string, string>) {
    const repo = makeRepo({ 'README.md': '# app\n', ...config, ...contracts });
    repos.push(repo);
    const r = await runBaton(['lint', '--json', '--no-coupling'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as {
      diagnostics: Array<{ code: string; message: string; location: { file: string; line?: number } }>;
    };
    return json.diagnostics.map((d) => [d.code, d.location.file, d.location.line, d.message.split(':')[0]]);
  }

  it('lists them all in one pass: an unknown key or a wrong value hides no unknown agent, nor the contracts', async () => {
    const config = {
      'baton.config.json':
        '{\n  "agent": "cluade",\n  "concurency": 2,\n  "port_base": 5,\n  "agents": { "codx": {} }\n}\n',
    };
    const contracts = contractFiles([{ id: 'feature-001-a', criteria: ['it is fast'] }]);
    expect(await lintAll(config, contracts)).toEqual([
      ['config/invalid', 'baton.config.json', 4, 'port_base'],
      [
        'config/unknown-key',
        'baton.config.json',
        3,
        'unknown key "concurency" (did you mean "concurrency"?)',
      ],
      ['config/unknown-agent', 'baton.config.json', 2, 'agent'],
      ['config/unknown-agent', 'baton.config.json', 5, 'agents.codx'],
      [
        'lint/vague-criterion',
        'specs/feature-001-a/contract.md',
        9,
        'criterion c1 "it is fast" is vague ("fast")',
      ],
    ]);
  });

  it('says nothing of the contracts when the config leaves their folder unknown (a wrong `specs`)', async () => {
    const config = { 'baton.yaml': 'agent: cluade\nspecs: 5\n' };
    const contracts = contractFiles([{ id: 'feature-001-a', criteria: ['it is fast'] }]);
    expect(await lintAll(config, contracts)).toEqual([
      ['config/invalid', 'baton.yaml', 2, 'specs'],
      ['config/unknown-agent', 'baton.yaml', 1, 'agent'],
    ]);
  });
});

describe('a config error is located on the line of its own key, walked along its path', () => {
  it('not on an earlier line that writes the same name at another depth, or inside a block scalar', async () => {
    expect(await lintErrors('baton.yaml', 'retry:\n  attempts: 3\nattempts: [demo, cluade]\n')).toEqual([
      'baton.yaml:3: error: attempts[1]: unknown agent "cluade" (did you mean "claude"?) [config/unknown-agent]',
    ]);
    expect(
      await lintErrors('baton.yaml', 'estimates:\n  concurrency: 3\nagent: demo\nconcurrency: -1\n'),
    ).toEqual([
      'baton.yaml:4: error: concurrency: Too small: expected number to be >0, got number -1 [config/invalid]',
    ]);
    expect(await lintErrors('baton.yaml', 'setup: |\n  agent: x\nagent: cluade\n')).toEqual([
      'baton.yaml:3: error: agent: unknown agent "cluade" (did you mean "claude"?) [config/unknown-agent]',
    ]);
    // The items of a block list each on their line; an unknown key beneath another of the same name.
    expect(await lintErrors('baton.yaml', 'attempts:\n  - demo\n  - cluade\nretry:\n  retry: 1\n')).toEqual([
      'baton.yaml:5: error: unknown key "retry.retry" [config/unknown-key]',
      'baton.yaml:3: error: attempts[1]: unknown agent "cluade" (did you mean "claude"?) [config/unknown-agent]',
    ]);
  });

  it('in a JSON config too (read by the YAML library for its lines), tabs and all', async () => {
    const json =
      '{\n\t"agents": {"codex": {"model": "x"}},\n\t"retry": {\n\t\t"attempts": 3\n\t},\n\t"attempts": ["cluade"],\n\t"codex": 1,\n\t"agent": {"command": 5}\n}\n';
    expect(await lintErrors('baton.config.json', json)).toEqual([
      'baton.config.json:8: error: agent.command: expected string, got number 5 [config/invalid]',
      'baton.config.json:7: error: unknown key "codex" [config/unknown-key]',
      'baton.config.json:6: error: attempts[0]: unknown agent "cluade" (did you mean "claude"?) [config/unknown-agent]',
    ]);
  });
});

describe('a copy entry that baton run would always refuse', () => {
  it('is config/copy-outside at its line, in lint and in doctor: the one rule run applies', async () => {
    const text = 'agent: demo\ncopy:\n  - .env\n  - ../secret\n  - /etc/passwd\n  - .git/config\n  - ./\n';
    expect(await lintErrors('baton.yaml', text)).toEqual([
      'baton.yaml:4: error: copy[1]: "../secret" leads outside the repository (".."); Baton copies only files inside the repository [config/copy-outside]',
      'baton.yaml:5: error: copy[2]: "/etc/passwd" is an absolute path; Baton copies only files inside the repository [config/copy-outside]',
      'baton.yaml:6: error: copy[3]: ".git/config" names .git/, which is git\'s own; Baton copies only files inside the repository [config/copy-outside]',
      'baton.yaml:7: error: copy[4]: "./" names the whole repository (a worktree is a checkout of it already); Baton copies a repository\'s own files (not its git or Baton state) [config/copy-outside]',
    ]);
    const repo = makeRepo({ 'baton.config.json': '{\n  "copy": ["../secret"]\n}\n' });
    repos.push(repo);
    const doctor = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const checks = (
      JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }
    ).checks;
    expect(checks.find((c) => c.name === 'config')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        'baton.config.json:2: copy[0]: "../secret" leads outside the repository',
      ),
    });
  });
});

describe('an empty string in the config', () => {
  it('is refused at its line wherever a setting must name something (base, folders, commands, model, queue, hub)', async () => {
    const text =
      'base: ""\nworktrees: ""\nspecs: ""\nsetup: ""\ntest: ""\nagents:\n  codex:\n    command: ""\n    model: ""\n    permission_mode: ""\nqueue: ""\nhub: ""\n';
    const lines = await lintErrors('baton.yaml', text);
    expect(lines.map((l) => l.replace(/: Too small: .*$/, ''))).toEqual([
      'baton.yaml:1: error: base',
      'baton.yaml:2: error: worktrees',
      'baton.yaml:3: error: specs',
      'baton.yaml:4: error: setup',
      'baton.yaml:5: error: test',
      'baton.yaml:8: error: agents.codex.command',
      'baton.yaml:9: error: agents.codex.model',
      'baton.yaml:10: error: agents.codex.permission_mode',
      'baton.yaml:11: error: queue',
      'baton.yaml:12: error: hub',
    ]);
    expect(lines[0]).toBe(
      'baton.yaml:1: error: base: Too small: expected string to have >=1 characters, got string "" [config/invalid]',
    );
  });
});
