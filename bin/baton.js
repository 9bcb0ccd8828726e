#!/usr/bin/env node
import { existsSync } from 'node:fs';
import nodeModule from 'node:module';

// From Node 22.1, V8's compiled code for Baton's modules is kept on disk (in the temporary folder;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts compile less. Node 20 has no such cache.
nodeModule.enableCompileCache?.();
// The bundled CLI (rolldown.config.mjs) starts faster; BATON_UNBUNDLED=1 loads tsc's module tree instead.
const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const unbundled = process.env.BATON_UNBUNDLED === '1' || !existsSync(bundle);
import(unbundled ? '../dist/cli/main.js' : bundle.href).then((cli) => cli.main());
