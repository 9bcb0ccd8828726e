import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton piped into head', () => {
  it('exits quietly with 0 when the reader closes the pipe early', () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // Enough rows that stdout is still being written when `head -1` has gone.
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `{"feature_id":"feature-${i}-a","status":"running"}\n`,
    );
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), lines.join(''));
    const r = spawnSync(
      'bash',
      ['-c', `node '${BATON_BIN}' status | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`],
      {
        cwd: repo.root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.stderr).toMatch(/rc=0/);
  });
});
