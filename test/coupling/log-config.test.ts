import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCoChange } from '../../src/coupling/analyze.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const FEATURES = ['cart', 'stock'].map((f) => ({ id: f, owns: [`src/${f}/**`] }));
const SETTINGS = { window: 1000, max_commit_files: 50 };

/**
 * A stand-in for gpg: signs with a fixed armored block, and verifies anything as a good signature,
 * printing what gpg prints, which `log.showSignature` puts before each signed commit.
 */
const FAKE_GPG = `#!/bin/sh
case "$*" in
  *-bsau*) cat >/dev/null; printf -- '-----BEGIN PGP SIGNATURE-----\\n\\niQ==\\n-----END PGP SIGNATURE-----\\n'; echo '[GNUPG:] SIG_CREATED D 22 8 00 0 0' >&2 ;;
  *) echo 'gpg: Good signature from "Test <test@example.com>"' >&2; echo '[GNUPG:] GOODSIG 0 Test' ;;
esac
`;

/** A repository whose config is `config` (as a user's ~/.gitconfig would set it), and `commits` commits each changing cart and stock. */
function repoWith(config: Record<string, string>, commits: number, sign = false): TempRepo {
  const r = makeRepo();
  repos.push(r);
  const gpg = join(r.root, '..', 'fake-gpg');
  writeFileSync(gpg, FAKE_GPG);
  chmodSync(gpg, 0o755);
  r.git('config', 'gpg.program', gpg);
  for (const [key, value] of Object.entries(config)) r.git('config', key, value);
  addCommits(r, 0, commits, sign);
  return r;
}

function addCommits(r: TempRepo, from: number, count: number, sign: boolean): void {
  for (let i = from; i < from + count; i++) {
    r.write({ 'src/cart/a.ts': `${i}\n`, 'src/stock/b.ts': `${i}\n` });
    r.git('add', '-A');
    r.git('commit', '-q', ...(sign ? ['-S'] : []), '-m', `c${i} café`);
  }
}

describe("the history read ignores the user's log config", () => {
  it('reads signed commits under log.showSignature=true, from git and from the cache', async () => {
    const r = repoWith({ 'log.showSignature': 'true' }, 3, true);
    expect(r.git('log', '-n', '1')).toContain('Good signature');
    const cacheFile = join(r.root, '.baton', 'cache', 'history.txt');
    const cold = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(cold.commits).toBe(4);
    expect(cold.pairs).toMatchObject([{ a: 'cart', b: 'stock', support: 3 }]);
    // Two more signed commits: the warm pass lists them and reads only those from git.
    addCommits(r, 3, 2, true);
    const warm = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(warm.read).toMatchObject({ commits: 6, read: 3 });
    expect(warm.pairs).toMatchObject([{ a: 'cart', b: 'stock', support: 5 }]);
  });

  it('counts the root commit under log.showRoot=false, and reads subjects in UTF-8 under another log encoding', async () => {
    // The first commit is the root here: its files count like any other's.
    const r = makeRepo({ 'src/cart/a.ts': 'x\n', 'src/stock/b.ts': 'x\n' });
    repos.push(r);
    r.git('config', 'log.showRoot', 'false');
    r.git('config', 'i18n.logOutputEncoding', 'latin1');
    addCommits(r, 0, 2, false);
    const read = await readCoChange(r.root, FEATURES, SETTINGS);
    expect(read.commits).toBe(3);
    expect(read.pairs).toMatchObject([{ a: 'cart', b: 'stock', support: 3 }]);
    expect(read.pairs[0]?.examples.map((e) => e.subject)).toEqual(['c1 café', 'c0 café', 'initial']);
  });
});
