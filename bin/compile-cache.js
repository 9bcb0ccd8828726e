// V8's compiled code for the bundled CLI, kept on disk for Node versions without `module.enableCompileCache`
// (Node 20): each start otherwise compiles the chunks it loads anew (about 40 ms of a 280 ms `baton run`).
//
// Each chunk is compiled through `vm.Script` with the code V8 produced the first time a command ran,
// taken after that run (so it holds the functions the command called, not only the top level). The
// cache is keyed by command, since commands call different parts of the same chunks, and by the
// chunk's path and text (a rebuilt chunk is a new entry; V8 itself rejects code from another version or
// flags). It lives in `<tmpdir>/baton-compile-cache-<uid>/<v8>-<arch>/<command>/`, used only while the
// top folder is a real directory of this user's that no one else may write (code read from there runs).
// An entry is read only when it is a regular file (no link followed, no FIFO waited on, at most 64 MiB):
// an agent runs as the user and may put anything there; anything else counts as no entry.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's own cache. Anything that goes wrong
// leaves the ordinary loader in charge: the cache is never a reason for a command to fail.
//
// Why not the `v8-compile-cache` package: it keeps one cache per working directory when the entry point
// is an ES module (as bin/baton.js is), takes the code before the module runs (top level only), and
// compiles without a dynamic-import callback, so the chunks' `import()` fails.
//
// On Node 20 a script compiled by `vm` loads no ES module with `import()` (a callback of one's own needs
// --experimental-vm-modules; Node's default one prints an experimental warning): the build lists the
// chunks that call it in their folder's `no-cache.json` (scripts/bundle.js), and those are compiled the
// ordinary way; a folder without that list is not cached at all.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

/** Whether `path` is a directory of this user's, not a link, that no one else may write. */
function isPrivateDir(path) {
  try {
    const s = lstatSync(path);
    return s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The cache folder for `command`, made when missing; undefined when its top folder is not private. */
function cacheDir(command) {
  const top = join(tmpdir(), `baton-compile-cache-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(top, { mode: 0o700 });
  } catch {
    // There already (checked below), or cannot be made (then not private either).
  }
  if (!isPrivateDir(top)) return undefined;
  const dir = join(top, `${process.versions.v8}-${process.arch}`, command);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return undefined;
  }
}

/** The most an entry may hold: V8's code for the largest chunk is a few MiB. */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * The bytes of the entry at `file` when it is a regular file of at most MAX_ENTRY_BYTES; undefined
 * otherwise. Anything running as the user (an agent) can put a FIFO or a link to /dev/zero there: it
 * is opened without following a link and without waiting on a FIFO, and only a regular file is read.
 */
function readOrUndefined(file) {
  let fd;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return undefined;
    const bytes = Buffer.alloc(st.size);
    let n = 0;
    while (n < bytes.length) {
      const got = readSync(fd, bytes, n, bytes.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return n === bytes.length ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The first argument when it names a command (`run`, `status`); one shared entry otherwise (`--help`). */
function commandOf(argv) {
  const word = argv[2] ?? '';
  return /^[a-z][a-z-]{0,30}$/.test(word) ? word : '_';
}

/** The chunks of each folder that may be compiled from cached code: all but those its build listed. */
function cacheable(codeDirs) {
  const dirs = new Map();
  for (const d of codeDirs) {
    try {
      const listed = JSON.parse(readFileSync(join(d, 'no-cache.json'), 'utf8'));
      if (Array.isArray(listed)) dirs.set(d, new Set(listed));
    } catch {
      // No list: nothing of that folder is compiled from the cache.
    }
  }
  return (filename) => {
    const skip = dirs.get(dirname(filename));
    return skip !== undefined && !skip.has(basename(filename));
  };
}

/**
 * Compiles the CommonJS files straight in `codeDirs` with the cached code for this command, and stores at exit
 * what V8 compiled for those that had none (or had one V8 rejected). Returns whether the cache is on.
 */
export function installCompileCache(codeDirs, argv = process.argv) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE === '1') return false;
  const dir = cacheDir(commandOf(argv));
  if (dir === undefined) return false;
  const mayCache = cacheable(codeDirs);
  /** The entry of each chunk this process loaded, by the chunk's file name. */
  const loaded = new Map();
  const toStore = [];
  const compile = nodeModule.prototype._compile;
  nodeModule.prototype._compile = function compileWithCache(content, filename) {
    if (typeof filename !== 'string' || !mayCache(filename)) return compile.call(this, content, filename);
    const hash = createHash('sha1').update(filename).update('\0').update(content).digest('hex');
    const entry = `${basename(filename)}.${hash}`;
    loaded.set(basename(filename), entry);
    const file = join(dir, entry);
    const cachedData = readOrUndefined(file);
    const script = new vm.Script(nodeModule.wrap(content), {
      filename,
      cachedData,
    });
    if (cachedData === undefined || script.cachedDataRejected) toStore.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = nodeModule.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  process.once('exit', () => store(dir, codeDirs, toStore, loaded));
  return true;
}

/**
 * Writes each new entry whole (a temporary name, then a rename), and drops the entries of chunks that
 * are gone or were rebuilt since (an entry is `<chunk file name>.<hash>`).
 */
function store(dir, codeDirs, toStore, loaded) {
  if (toStore.length === 0) return;
  for (const { script, file } of toStore) {
    const part = `${file}.${process.pid}.part`;
    try {
      // Made new ('wx': no link followed, no FIFO planted at the name waited on).
      writeFileSync(part, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      renameSync(part, file);
    } catch {
      rmSync(part, { force: true });
    }
  }
  try {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.part')) continue;
      const chunk = name.slice(0, name.lastIndexOf('.'));
      const current = loaded.get(chunk);
      if (!codeDirs.some((d) => existsSync(join(d, chunk))) || (current !== undefined && current !== name))
        unlinkSync(join(dir, name));
    }
  } catch {
    // Another Baton pruned the same folder at once: nothing lost.
  }
}
