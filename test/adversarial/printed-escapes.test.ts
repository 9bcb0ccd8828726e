/**
 * Text an agent can write — a failure reason in the log, a field name or a value in a contract — printed
 * by `integrate --predict-only` and `lint`: an ESC sequence shaped like a colour is shown escaped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const RED = '\u001b[31m';

describe('adversarial: agent-written text printed escaped', () => {
  it('integrate --predict-only escapes the reason of a feature it does not merge', async () => {
    // a's only criterion is its owns check, which the log records as passed: a is taken, b is not.
    const r = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([{ id: 'a', criteria: [] }, { id: 'b' }]),
    });
    repos.push(r);
    r.git('checkout', '-q', '-b', 'baton/a');
    mkdirSync(join(r.root, 'src', 'a'), { recursive: true });
    writeFileSync(join(r.root, 'src', 'a', 'x.txt'), 'a\n');
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'a');
    r.git('checkout', '-q', 'main');
    r.git('branch', 'baton/b', 'main');
    const ts = '2026-12-03T07:50:00.000Z';
    const lines = [
      {
        type: 'check.passed',
        feature_id: 'a',
        criterion_id: 'owns',
        text: 'changes stay inside owns',
        kind: 'files',
        on: 'worktree',
        message: 'ok',
      },
      { type: 'feature.ended', feature_id: 'a', status: 'complete' },
      { type: 'feature.ended', feature_id: 'b', status: 'failed', reason: `bad${RED}red` },
    ];
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    writeFileSync(
      join(r.root, '.baton', 'log.jsonl'),
      lines.map((l) => `${JSON.stringify({ v: 1, ts, ...l })}\n`).join(''),
    );
    const res = await runBaton(['integrate', '--predict-only'], { cwd: r.root });
    expect(res.stdout).toContain('not merged: b (failed: bad\\x1b[31mred)');
    expect(res.stdout + res.stderr).not.toContain('\u001b');
  });

  it('lint escapes a field name and a source excerpt that carry ESC', async () => {
    const contract = `---\nfeature_id: a\ntitle: T${RED}\nti${RED}tle: x\nowns: ["src/a/**"]\ndepends_on: {features: []}\nacceptance_criteria: []\n---\nBuild.\n`;
    const r = makeRepo({ 'README.md': '# app\n', 'specs/a/contract.md': contract });
    repos.push(r);
    const res = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(res.stdout).toContain('unknown field "ti\\x1b[31mtle"');
    expect(res.stdout).toContain('| ti\\x1b[31mtle: x');
    expect(res.stdout + res.stderr).not.toContain('\u001b');
  });
});
