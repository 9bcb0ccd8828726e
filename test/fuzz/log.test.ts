import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/log/fold.js';
import { type LogChunk, parseLogText, readLog } from '../../src/log/read.js';
import { anyEvent, illTypedEvent, plainEvent, wellFormedEvent } from './arbitraries.js';

const RUNS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'baton-fuzz-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const freshFile = () => join(dir, `log-${fileNo++}.jsonl`);

/** One line of a log as it may really look: good events, hand-written lines, torn and junk lines. */
const logLine = fc.oneof(
  { arbitrary: wellFormedEvent.map((e) => JSON.stringify(e)), weight: 4 },
  { arbitrary: plainEvent.map((e) => JSON.stringify(e)), weight: 1 },
  { arbitrary: illTypedEvent.map((e) => JSON.stringify(e)), weight: 1 },
  {
    // A torn write: a prefix of a real line.
    arbitrary: fc
      .tuple(
        wellFormedEvent.map((e) => JSON.stringify(e)),
        fc.nat(),
      )
      .map(([line, n]) => line.slice(0, n % line.length)),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      '',
      '   ',
      '\r',
      '[]',
      '42',
      'null',
      '"x"',
      '{}',
      '{"type":7}',
      '\uFEFF{}',
      '{"a":1}{"b":2}',
    ),
    weight: 1,
  },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
);

/** Log text: lines joined by `\n`, with or without a final newline. */
const logText = fc
  .tuple(fc.array(logLine, { maxLength: 30 }), fc.boolean())
  .map(([lines, trailing]) => lines.join('\n') + (trailing && lines.length > 0 ? '\n' : ''));

const lineCount = (text: string) =>
  text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

describe('the log reader under generated input', () => {
  it('parseLogText: any string never throws; each non-blank line is an event or a problem with its number', () => {
    fc.assert(
      fc.property(
        fc.oneof(logText, fc.string({ maxLength: 200 })),
        fc.integer({ min: 1, max: 1e6 }),
        (text, first) => {
          const { events, problems } = parseLogText(text, first);
          const lines = text.split('\n');
          const nonBlank = lines.filter((l) => l.trim() !== '').length;
          expect(events.length + problems.length).toBe(nonBlank);
          for (const p of problems) {
            expect(p.line).toBeGreaterThanOrEqual(first);
            expect(p.line).toBeLessThan(first + lines.length);
            expect(lines[p.line - first]?.trim()).not.toBe('');
            expect(p.message).not.toBe('');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('readLog: arbitrary bytes never throw; problems carry line numbers within the file', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const file = freshFile();
        writeFileSync(file, bytes);
        const chunk = readLog(file, undefined, { final: true });
        const newlines = bytes.filter((b) => b === 0x0a).length;
        const lines = newlines + (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? 1 : 0);
        for (const p of chunk.problems) {
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lines);
        }
        expect(chunk.endLine).toBe(newlines);
        expect(chunk.endOffset).toBe(bytes.lastIndexOf(0x0a) + 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('readLog: generated JSON lines give exactly the events and problems of parsing the text', () => {
    fc.assert(
      fc.property(logText, (text) => {
        const file = freshFile();
        writeFileSync(file, text);
        const chunk = readLog(file, undefined, { final: true });
        const parsed = parseLogText(text);
        expect(chunk.events).toEqual(parsed.events);
        expect(chunk.problems).toEqual(parsed.problems);
        for (const p of chunk.problems) expect(p.line).toBeLessThanOrEqual(lineCount(text));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('split independence', () => {
  it('appending a log in arbitrary byte chunks and reading after each append folds to the same state', () => {
    const validLog = fc
      .array(
        fc.oneof(
          { arbitrary: anyEvent.map((e) => JSON.stringify(e)), weight: 6 },
          { arbitrary: fc.constantFrom('', 'not json', '{"feature_id":"x"'), weight: 1 },
        ),
        { minLength: 1, maxLength: 25 },
      )
      .map((lines) => `${lines.join('\n')}\n`);
    fc.assert(
      fc.property(validLog, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = Buffer.from(text, 'utf8');
        // Cut points anywhere in the bytes, even inside a multi-byte character or a line.
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const file = freshFile();
        writeFileSync(file, '');
        let state = foldEvents([]);
        let cursor = { offset: 0, line: 0 };
        const problems: LogChunk['problems'] = [];
        let from = 0;
        for (const to of [...points, bytes.length]) {
          appendFileSync(file, bytes.subarray(from, to));
          from = to;
          const chunk = readLog(file, cursor);
          state = foldEvents(chunk.events, state);
          problems.push(...chunk.problems);
          cursor = { offset: chunk.endOffset, line: chunk.endLine };
        }
        const rest = readLog(file, cursor, { final: true });
        state = foldEvents(rest.events, state);
        problems.push(...rest.problems);

        const whole = readLog(file, undefined, { final: true });
        expect(cursor.offset).toBe(bytes.length);
        expect(state).toEqual(foldEvents(whole.events));
        expect(problems).toEqual(whole.problems);
      }),
      { numRuns: RUNS },
    );
  });
});
