import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, fixture } from '../rig/cli.js';

function run(args: string[], input = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
    child.stdin.end(input);
  });
}

describe('concurrent appends', () => {
  it('16 processes appending 500 events each leave exactly 8,000 valid lines', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-conc-')), 'log.jsonl');
    const codes = await Promise.all(
      Array.from({ length: 16 }, (_, w) => run([fixture('append-many.mjs'), log, String(w), '500'])),
    );
    expect(codes.every((c) => c === 0)).toBe(true);
    const text = readFileSync(log, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(8000);
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(problems).toEqual([]);
    expect(events).toHaveLength(8000);
    for (let w = 0; w < 16; w++) {
      expect(events.filter((e) => 'feature_id' in e && e.feature_id === `writer-${w}`)).toHaveLength(500);
    }
  });

  it('20 concurrent `baton hook` processes leave 20 lines', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-hook-')), 'log.jsonl');
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(
          [
            BATON_BIN,
            'hook',
            'stop',
            '--feature',
            `feature-${String(i).padStart(3, '0')}-x`,
            '--status',
            'complete',
            '--log',
            log,
          ],
          JSON.stringify({ session_id: `s${i}`, last_assistant_message: 'done' }),
        ),
      ),
    );
    expect(codes).toEqual(Array(20).fill(0));
    const { events, problems } = readLog(log, undefined, { final: true });
    expect(problems).toEqual([]);
    expect(events).toHaveLength(20);
    expect(new Set(events.map((e) => ('feature_id' in e ? e.feature_id : ''))).size).toBe(20);
    expect(
      events.every((e) => e.type === 'hook' && e.status === 'complete' && e.session_id?.startsWith('s')),
    ).toBe(true);
  });
});
