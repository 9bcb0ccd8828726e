// Builds dist/bundle/ (and dist/vendor/yaml.cjs) from tsc's output (see rolldown.config.mjs) without the CLI's per-chunk listing.
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

for (const one of config) await build(one);
