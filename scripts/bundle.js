// Builds dist/bundle/ from tsc's output (see rolldown.config.mjs) without the CLI's per-chunk listing.
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

await build(config);
