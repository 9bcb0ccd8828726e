/**
 * The sections of a contract's heading form, read into front-matter-shaped values: the bullets of a
 * section (`Item`), `owns`, `provides`, `depends_on` and the acceptance criteria, each recording where
 * its values were written. heading-form.ts finds the sections; this file reads what is in them.
 */
import { yaml } from '../text/yaml.js';
import { splitLabels, untick } from './labels.js';
import { FEATURE_ID_PATTERN } from './schema.js';

/** A 1-based position in the contract file. */
export interface Spot {
  line: number;
  column: number;
}

/** One bullet (or loose line) of a section, with its nested bullets. */
export interface Item {
  text: string;
  spot: Spot;
  children: Item[];
}

const NONE = /^(none|n\/a|-|nothing)\.?$/i;
/** Keys a criterion's nested bullet or trailing code span may set. */
const CRITERION_KEYS = ['id', 'text', 'run', 'http', 'files', 'after', 'timeout_s'] as const;
/** A trailing `` `run: …` `` code span at the end of a criterion bullet. */
const TRAILING_CHECK = new RegExp(`\\s*\`(${CRITERION_KEYS.join('|')}):\\s*([^\`]*)\`\\s*$`);
/** A criterion that starts with a short label: `Performance: …`, `**Integration**: …`. */
const CRITERION_LABEL = /^\**([A-Z][A-Za-z]*(?: [A-Za-z]+){0,2})\**:\s+(\S.*)$/;
/** A nested `key: value` bullet under a criterion. */
const CHILD_CHECK = new RegExp(`^(${CRITERION_KEYS.join('|')}):\\s*(.*)$`);

/** `Feature ID`, `` `depends-on` `` → `feature_id`, `depends_on`. */
export function normaliseKey(name: string): string {
  return name
    .replace(/`/g, '')
    .replace(/:$/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function flatten(items: readonly Item[]): Item[] {
  return items.flatMap((item) => [item, ...flatten(item.children)]);
}

export function stripTicks(s: string): string {
  const t = s.trim();
  return /^`[^`]*`$/.test(t) ? t.slice(1, -1).trim() : t;
}

/** The globs of an `owns` section: every bullet, split on top-level commas, "none" left out. */
export function readOwns(items: readonly Item[], spots: Map<string, Spot>): string[] {
  const globs: string[] = [];
  for (const item of flatten(items)) {
    for (const part of splitTopLevel(item.text)) {
      if (NONE.test(part)) continue;
      spots.set(`owns.${globs.length}`, item.spot);
      globs.push(stripTicks(part));
    }
  }
  return globs;
}

/** Splits on commas that are not inside (), [], {} or quotes: `GET /a/{id}, Product(id, name)`. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Label spellings that mean the conventional `provides` keys (the method writes "Data Model"). */
const PROVIDES_ALIASES: Record<string, string> = {
  apis: 'api',
  endpoints: 'api',
  data_model: 'models',
  data_models: 'models',
  model: 'models',
};

export function readProvides(items: readonly Item[], spots: Map<string, Spot>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (key: string, values: string[], spot: Spot) => {
    const list = out[key] ?? [];
    if (!out[key]) {
      out[key] = list;
      spots.set(`provides.${key}`, spot);
    }
    for (const v of values) {
      spots.set(`provides.${key}.${list.length}`, spot);
      list.push(v);
    }
  };
  for (const item of items) {
    const segments = splitLabels(item.text);
    if (segments.length > 0) {
      // `API: a, b Data Model: c` (two labels on one line, as text copied from a slide has them).
      let key = '';
      for (const segment of segments) {
        key = PROVIDES_ALIASES[normaliseKey(segment.label)] ?? normaliseKey(segment.label);
        add(key, splitTopLevel(segment.value).map(untick), item.spot);
      }
      for (const child of flatten(item.children)) add(key, splitTopLevel(child.text).map(untick), child.spot);
    } else {
      add('other', [stripTicks(item.text)], item.spot);
      for (const child of flatten(item.children)) add('other', [stripTicks(child.text)], child.spot);
    }
  }
  return out;
}

export function readDependsOn(
  items: readonly Item[],
  spots: Map<string, Spot>,
  knownIds: ReadonlySet<string>,
): { features: string[]; services: string[] } {
  const features: string[] = [];
  const services: string[] = [];
  const addFeature = (id: string, spot: Spot) => {
    spots.set(`depends_on.features.${features.length}`, spot);
    features.push(id);
  };
  const addService = (name: string, spot: Spot) => {
    spots.set(`depends_on.services.${services.length}`, spot);
    services.push(name);
  };
  for (const item of flatten(items)) {
    const text = item.text.trim();
    if (text === '' || NONE.test(text)) continue;
    const segments = splitLabels(text);
    if (segments.length > 0 && segments.every((s) => /^(features?|services?)$/i.test(s.label.trim()))) {
      for (const segment of segments) {
        const isFeature = segment.label.trim().toLowerCase().startsWith('feature');
        for (const part of splitTopLevel(segment.value)) {
          // "`feature-001-authentication` (for user context)": the id, then why.
          const lead = /^`?([a-z0-9][a-z0-9-]*)`?(?:\s+[-–—(:].*)?$/.exec(part);
          if (isFeature) addFeature(lead?.[1] ?? stripTicks(part), item.spot);
          else addService(untick(part), item.spot);
        }
      }
      continue;
    }
    const parts = splitTopLevel(text).map(stripTicks);
    if (parts.length > 1 && parts.every((p) => looksLikeFeature(p, knownIds))) {
      for (const p of parts) addFeature(p, item.spot);
      continue;
    }
    // "feature-001-authentication (for tokens)" names the feature, then says why.
    const lead = /^`?([a-z0-9][a-z0-9-]*)`?(?:\s+[-–—(:].*)?$/.exec(text);
    const candidate = lead?.[1];
    if (candidate !== undefined && looksLikeFeature(candidate, knownIds)) addFeature(candidate, item.spot);
    else addService(stripTicks(text), item.spot);
  }
  spots.set('depends_on.features', items[0]?.spot ?? { line: 1, column: 1 });
  return { features, services };
}

/** A dependency names a feature when it is a known id or shaped like `feature-NNN-…`. */
function looksLikeFeature(text: string, knownIds: ReadonlySet<string>): boolean {
  if (knownIds.has(text)) return true;
  return FEATURE_ID_PATTERN.test(text) && /^feature-\d+/.test(text);
}

/** A criterion bullet: its text, trailing `` `run: …` `` spans, and `key: value` nested bullets. */
export function readCriterion(item: Item, index: number, spots: Map<string, Spot>): unknown {
  const base = `acceptance_criteria.${index}`;
  spots.set(base, item.spot);
  const fields: Record<string, unknown> = {};
  let text = item.text;
  const trailing = TRAILING_CHECK;
  for (let m = trailing.exec(text); m; m = trailing.exec(text)) {
    const key = m[1] ?? '';
    if (!(key in fields)) {
      fields[key] = readCriterionValue(key, m[2] ?? '');
      spots.set(`${base}.${key}`, { line: item.spot.line, column: item.spot.column + m.index + 1 });
    }
    text = text.slice(0, m.index);
  }
  const extra: string[] = [];
  const childKey = CHILD_CHECK;
  for (const child of item.children) {
    const m = childKey.exec(stripTicks(child.text));
    if (m) {
      const key = m[1] ?? '';
      fields[key] = readCriterionValue(key, m[2] ?? '');
      spots.set(`${base}.${key}`, child.spot);
    } else {
      extra.push(child.text);
    }
  }
  // "Performance: `GET` requests < 100ms (p95)." — the label names the criterion, the rest says it.
  const labelled = CRITERION_LABEL.exec(text.trim());
  const label =
    labelled && !(CRITERION_KEYS as readonly string[]).includes((labelled[1] ?? '').toLowerCase());
  if (labelled && label) {
    text = labelled[2] ?? '';
    if (fields.id === undefined) fields.id = normaliseKey(labelled[1] ?? '').replace(/_/g, '-');
  }
  const fullText = [text.trim(), ...extra].filter((t) => t !== '').join('; ');
  if (Object.keys(fields).length === 0) return fullText;
  if (fields.text === undefined) fields.text = fullText;
  return fields;
}

function readCriterionValue(key: string, raw: string): unknown {
  const value = stripTicks(raw);
  if (key === 'http' && /^https?:\/\/\S+$/.test(value)) return { url: value };
  if (key === 'http' || key === 'files' || key === 'timeout_s') {
    try {
      return yaml().parse(value);
    } catch {
      // Left as text, the schema then says what shape was expected, at this line.
      return value;
    }
  }
  return value;
}
