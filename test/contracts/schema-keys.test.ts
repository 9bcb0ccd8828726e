import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config-schema.js';
import { ContractSchema, CriterionSchema, HttpCheckSchema } from '../../src/contracts/schema.js';
import { objectKeysAt } from '../../src/contracts/schema-keys.js';

describe('objectKeysAt: the keys an object may have at a path, read from the schema', () => {
  it('walks objects, optional and default wrappers, records and arrays', () => {
    expect(objectKeysAt(ConfigSchema, [])).toEqual(Object.keys(ConfigSchema.shape));
    expect(objectKeysAt(ConfigSchema, ['retry'])).toEqual(['attempts', 'initial_delay_s', 'factor']);
    expect(objectKeysAt(ConfigSchema, ['coupling'])).toContain('window');
    // A record's values, whatever the key (agents.<name>).
    expect(objectKeysAt(ConfigSchema, ['agents', 'claude'])).toContain('command');
    expect(objectKeysAt(ContractSchema, ['acceptance_criteria', 2])).toEqual(
      Object.keys(CriterionSchema.shape),
    );
    expect(objectKeysAt(ContractSchema, ['acceptance_criteria', 0, 'http'])).toEqual(
      Object.keys(HttpCheckSchema.shape),
    );
  });

  it("takes a union's object forms together, and none of its other forms", () => {
    // agent: an adapter name, { command }, or { name, args }.
    expect(objectKeysAt(ContractSchema, ['agent'])).toEqual(['command', 'name', 'args']);
    // depends_on: { features, services } or a list.
    expect(objectKeysAt(ContractSchema, ['depends_on'])).toEqual(['features', 'services']);
    // interactive: true/false or its settings.
    expect(objectKeysAt(ConfigSchema, ['interactive'])).toContain('auto_finish_s');
  });

  it('finds nothing where no object can be', () => {
    expect(objectKeysAt(ConfigSchema, ['concurrency'])).toEqual([]);
    expect(objectKeysAt(ConfigSchema, ['no-such-key'])).toEqual([]);
    expect(objectKeysAt(ContractSchema, ['owns', 0])).toEqual([]);
    expect(objectKeysAt(ContractSchema, ['acceptance_criteria', 'x'])).toEqual([]);
  });
});
