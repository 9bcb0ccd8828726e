// `npm run schema`: writes schema/*.schema.json from the zod schemas (built into dist/ first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../dist/contracts/json-schema.js';

const root = join(import.meta.dirname, '..');
for (const [path, text] of Object.entries(schemaFiles())) {
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
