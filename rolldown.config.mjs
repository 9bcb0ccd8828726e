// The CLI as a few bundled files (dist/bundle/), built from tsc's output in dist/: one module graph of
// ~230 files costs a Node start about a fifth of a second more to resolve and load than these do.
// Dynamic imports stay split, so a command still loads only what it uses. Packages with native code or
// that are only used by the queue stay in node_modules. bin/baton.js loads dist/bundle/main.cjs, or the
// module tree in dist/cli/ with BATON_UNBUNDLED=1 (tests that record which modules a command loads).
// The chunks are CommonJS: Node 20's loader takes each ES module through its asynchronous resolve,
// load and link steps, and `baton run` of one feature spent about 50 ms more (wall and CPU) loading the
// same ~50 chunks as ES modules than it does requiring them.
import { defineConfig } from 'rolldown';

export default defineConfig([
  {
    input: {
      main: 'dist/cli/main.js',
      // Started as a worker thread by URL (`new URL('./status-plan-worker.js', import.meta.url)`).
      'status-plan-worker': 'dist/cli/status-plan-worker.js',
    },
    platform: 'node',
    external: [/^node:/, 'bullmq', 'ioredis', /^oxc-parser/],
    logLevel: 'warn',
    output: {
      // dist/bundle/ is as deep as dist/cli/, so paths relative to a module (`../../assets/…`) still hold.
      // `.cjs`, since package.json makes `.js` an ES module; rolldown turns `import.meta.url` into the
      // chunk's own file URL and each `import()` of a chunk into a `require`.
      dir: 'dist/bundle',
      cleanDir: true,
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
    },
  },
  // The YAML library as one CommonJS file, for text/yaml.ts's synchronous load on first use: one file
  // to read and compile instead of the package's ~40 modules resolved one by one (16 ms against 45 here).
  {
    input: { yaml: 'node_modules/yaml/dist/index.js' },
    platform: 'node',
    logLevel: 'warn',
    output: { dir: 'dist/vendor', cleanDir: true, format: 'cjs', entryFileNames: '[name].cjs' },
  },
]);
