import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictConflicts } from '../../src/integrate/predict.js';
import { makeRepo } from '../rig/repo.js';
import { contract, lines } from './fixture.js';

/** One branch: where it is cut from, and what it edits. */
interface BranchSpec {
  /** 0: the first base commit, 1: the base after it moved on, 2+k: on top of branch k (k < own index). */
  from: number;
  edits: Array<{ file: number; line: number; text: string }>;
  /** A file or folder to add, or `move-d`: the folder d/ renamed to e/ (git's directory-rename detection). */
  add: 'none' | 'lib' | 'lib/x.txt' | 'new.txt' | 'move-d' | 'd/new.txt';
}

const branchSpec = fc.record({
  from: fc.nat({ max: 6 }),
  edits: fc.array(
    fc.record({
      file: fc.nat({ max: 2 }),
      line: fc.integer({ min: 1, max: 12 }),
      text: fc.constantFrom('x', 'y'),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  add: fc.constantFrom('none', 'lib', 'lib/x.txt', 'new.txt', 'move-d', 'd/new.txt'),
}) as fc.Arbitrary<BranchSpec>;

describe('the prefilter', () => {
  it('finds exactly the conflicts merge-tree finds on every pair, for random branch shapes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(branchSpec, { minLength: 3, maxLength: 4 }), async (specs) => {
        const files = ['a.txt', 'b.txt', 'c.txt'];
        const repo = makeRepo({
          ...Object.fromEntries(files.map((f) => [f, lines(12)])),
          'd/one.txt': 'one\n',
          'd/two.txt': 'two\n',
        });
        try {
          const base0 = repo.git('rev-parse', 'HEAD');
          const base1 = repo.commit('base moves on', { 'a.txt': lines(12, { 6: 'base' }) });
          specs.forEach((spec, i) => {
            const k = spec.from - 2;
            const from =
              spec.from === 0 || (k >= 0 && k >= i) ? base0 : spec.from === 1 ? base1 : `baton/b${k}`;
            repo.git('checkout', '-q', '-b', `baton/b${i}`, from);
            const contents: Record<string, Record<number, string>> = {};
            for (const e of spec.edits) {
              contents[files[e.file]!] = { ...contents[files[e.file]!], [e.line]: `${e.text} from b${i}` };
            }
            const write: Record<string, string> = {};
            for (const [file, edit] of Object.entries(contents)) write[file] = lines(12, edit);
            const lib = join(repo.root, 'lib');
            const libIsDir = existsSync(lib) && statSync(lib).isDirectory();
            const libIsFile = existsSync(lib) && !libIsDir;
            if (spec.add === 'lib' && !libIsDir) write.lib = `lib file from b${i}\n`;
            if (spec.add === 'lib/x.txt' && !libIsFile) write['lib/x.txt'] = `lib dir from b${i}\n`;
            if (spec.add === 'new.txt') write['new.txt'] = `new from b${i}\n`;
            if (spec.add === 'd/new.txt') write['d/new.txt'] = `new from b${i}\n`;
            const [d, e] = [join(repo.root, 'd'), join(repo.root, 'e')];
            if (spec.add === 'move-d' && existsSync(d) && !existsSync(e)) repo.git('mv', 'd', 'e');
            repo.commit(`b${i}`, write);
          });
          repo.git('checkout', '-q', 'main');
          const ids = specs.map((_, i) => `b${i}`);
          const args = {
            cwd: repo.root,
            base: 'main',
            branches: ids.map((id) => ({ feature_id: id, branch: `baton/${id}` })),
            contracts: ids.map((id) => contract(id)),
          };
          const fast = await predictConflicts(args);
          const full = await predictConflicts({ ...args, exhaustive: true });
          expect(fast.conflicts).toEqual(full.conflicts);
        } finally {
          repo.cleanup();
        }
      }),
      { numRuns: 4 },
    );
  });
});
