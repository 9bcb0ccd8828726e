import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractJsonSchema, schemaFiles } from '../../src/contracts/json-schema.js';

const root = join(import.meta.dirname, '..', '..');

describe('published JSON Schemas', () => {
  it.each(Object.keys(schemaFiles()))(
    '%s is up to date with the zod schema (run `npm run schema`)',
    (path) => {
      const committed = readFileSync(join(root, path), 'utf8');
      expect(committed).toBe(schemaFiles()[path]);
    },
  );

  it('requires feature_id with the id pattern and documents the fields', () => {
    const schema = contractJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { pattern?: string; maxLength?: number; description?: string }>;
    };
    expect(schema.required).toEqual(['feature_id']);
    expect(schema.properties.feature_id?.pattern).toBe('^[a-z0-9][a-z0-9-]*$');
    expect(schema.properties.feature_id?.maxLength).toBe(100);
    expect(schema.additionalProperties).toBe(false);
    for (const [key, prop] of Object.entries(schema.properties)) {
      expect(prop.description, key).toBeTruthy();
    }
  });
});
