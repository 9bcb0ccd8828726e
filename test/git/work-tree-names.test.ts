import { describe, expect, it } from 'vitest';
import { isDotGit, isReadByGit, repositoryPaths } from '../../src/git/work-tree-names.js';

describe('repositoryPaths', () => {
  it.each([
    ['a plain contract folder', ['a/contract.md', 'a/spec.md'], []],
    [
      'a .git folder, named once',
      ['new/contract.md', 'new/.git/config', 'new/.git/HEAD', 'new/.git/refs/.keep'],
      ['new/.git'],
    ],
    ['a gitdir: file', ['new/.git'], ['new/.git']],
    ['the specs folder itself as a repository', ['.git/config'], ['.git']],
    ['.git in any case', ['a/.GIT/config', 'b/.Git'], ['a/.GIT', 'b/.Git']],
    [
      'NTFS spellings of .git',
      ['a/.git./config', 'b/.git /config', 'c/GIT~1/config'],
      ['a/.git.', 'b/.git ', 'c/GIT~1'],
    ],
    ['an HFS+ spelling of .git', ['a/.g\u200cit/config'], ['a/.g\u200cit']],
    [
      'a bare repository (HEAD beside objects/ and refs/)',
      ['evil/HEAD', 'evil/config', 'evil/objects/.keep', 'evil/refs/.keep'],
      ['evil/HEAD'],
    ],
    ['HEAD beside a commondir', ['x/head', 'x/commondir'], ['x/head']],
    ['HEAD alone', ['notes/HEAD', 'notes/todo.md'], []],
    ['names like git’s that are not git’s', ['a/.github/x.md', 'a/.gitkeep', 'a/git/config'], []],
  ])('%s', (_what, files, expected) => {
    expect(repositoryPaths(files)).toEqual(expected);
  });
});

describe('isDotGit and isReadByGit', () => {
  it.each([
    ['.git', true, false],
    ['.Git.', true, false],
    ['.gitattributes', false, true],
    ['.GitIgnore', false, true],
    ['.gitmodules ', false, true],
    ['.gitkeep', false, false],
    ['contract.md', false, false],
  ])('%j', (name, dotGit, read) => {
    expect(isDotGit(name)).toBe(dotGit);
    expect(isReadByGit(name)).toBe(read);
  });
});
