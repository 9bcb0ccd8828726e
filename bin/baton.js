#!/usr/bin/env node
import nodeModule from 'node:module';

// From Node 22.1, V8's compiled code for Baton's modules is kept on disk (in the temporary folder;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts compile less. Node 20 has no such cache.
nodeModule.enableCompileCache?.();
import('../dist/cli/main.js').then((cli) => cli.main());
