/**
 * The heading form of a contract (`## feature_id`, bullets, the seed's numbered and labelled lines) read
 * into the same raw fields as the front matter. At 399 lines it stays one file: the heading rules and the
 * positions they record are read together; the labelled-line splitting already lives in labels.ts.
 */
import { parse as parseYaml } from 'yaml';
import { splitLabels, untick } from './labels.js';
import { CONTRACT_FIELDS, FEATURE_ID_PATTERN } from './schema.js';
import { closestName } from './suggest.js';

/** A 1-based position in the contract file. */
export interface Spot {
  line: number;
  column: number;
}

/** What the heading form yields: raw fields shaped like the front matter, and where each was written. */
export interface HeadingForm {
  data: Record<string, unknown>;
  /** Dotted paths (`acceptance_criteria.2.run`) → where the value was written. */
  spots: Map<string, Spot>;
  /** Headings that look like a misspelt field, with the closest known name. */
  unknown: { heading: string; suggestion: string; spot: Spot }[];
}

/** One bullet (or loose line) of a section, with its nested bullets. */
interface Item {
  text: string;
  spot: Spot;
  children: Item[];
}

const SCALAR_FIELDS = new Set(['feature_id', 'title', 'serve', 'agent', 'attempts', 'select']);
const NUMBER_FIELDS = new Set(['estimate_minutes', 'timeout_minutes', 'retries']);
/** Keys a criterion's nested bullet or trailing code span may set. */
const CRITERION_KEYS = ['id', 'text', 'run', 'http', 'files', 'after', 'timeout_s'] as const;
const NONE = /^(none|n\/a|-|nothing)\.?$/i;
/** A trailing `` `run: …` `` code span at the end of a criterion bullet. */
const TRAILING_CHECK = new RegExp(`\\s*\`(${CRITERION_KEYS.join('|')}):\\s*([^\`]*)\`\\s*$`);
/** A criterion that starts with a short label: `Performance: …`, `**Integration**: …`. */
const CRITERION_LABEL = /^\**([A-Z][A-Za-z]*(?: [A-Za-z]+){0,2})\**:\s+(\S.*)$/;
/** A nested `key: value` bullet under a criterion. */
const CHILD_CHECK = new RegExp(`^(${CRITERION_KEYS.join('|')}):\\s*(.*)$`);

/**
 * A field named on a line of its own, the way the method's example writes it: `## feature_id`,
 * ``1. `feature_id` ``, `## 1. feature_id`, `2. 'provides'` (a heading or a numbered line; quotes and
 * backticks around the name are dropped). Groups: the `#`s, the name.
 */
const FIELD_LINE = /^\s*(#{1,6}\s+)?(?:\d+[.)]\s+)?[`'"]?([A-Za-z][\w -]*?)[`'"]?\s*:?\s*#*\s*$/;

/** Whether a markdown text is written in the heading form (a `## feature_id` heading or numbered line). */
export function isHeadingForm(text: string): boolean {
  return text.split(/\r?\n/).some((line) => {
    const m = FIELD_LINE.exec(line);
    if (m === null || normaliseKey(m[2] ?? '') !== 'feature_id') return false;
    // `# …` is the title; a field is a second-level (or deeper) heading or a numbered line.
    return m[1] === undefined ? /^\s*\d/.test(line) : !/^\s*#\s/.test(line);
  });
}

/** `Feature ID`, `` `depends-on` `` → `feature_id`, `depends_on`. */
function normaliseKey(name: string): string {
  return name
    .replace(/`/g, '')
    .replace(/:$/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** A numbered line naming a field exactly (``1. `feature_id` ``), which starts a section like a heading. */
function numberedField(raw: string): string | undefined {
  if (!/^\s*\d+[.)]\s/.test(raw)) return undefined;
  const m = FIELD_LINE.exec(raw);
  const key = normaliseKey(m?.[2] ?? '');
  return m && m[1] === undefined && CONTRACT_FIELDS.includes(key) ? key : undefined;
}

/** Reads the heading form (`## feature_id`, `## provides`, … with bullets) into front-matter-shaped fields. */
export function readHeadingForm(text: string, knownIds: ReadonlySet<string> = new Set()): HeadingForm {
  const lines = text.split(/\r?\n/);
  const spots = new Map<string, Spot>();
  const unknown: HeadingForm['unknown'] = [];
  const sections = new Map<string, { spot: Spot; lines: { text: string; line: number }[] }>();
  let title: string | undefined;
  let titleSpot: Spot | undefined;
  let current: { lines: { text: string; line: number }[] } | undefined;
  let currentLevel = 0;
  let fence: string | undefined;

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const fenceMatch = /^\s*(```+|~~~+)/.exec(raw);
    if (fenceMatch) {
      const marker = fenceMatch[1] ?? '';
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence)) fence = undefined;
      current?.lines.push({ text: raw, line: lineNo });
      return;
    }
    const numbered = fence === undefined ? numberedField(raw) : undefined;
    const heading = fence === undefined ? /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw) : null;
    if (!heading && numbered === undefined) {
      current?.lines.push({ text: raw, line: lineNo });
      return;
    }
    // A numbered field line (the method's own example) stands for a second-level heading.
    const level = heading ? (heading[1] ?? '').length : 2;
    const headingText = heading ? (heading[2] ?? '') : (numbered ?? '');
    if (current && level > currentLevel) {
      // A deeper heading inside a field's section is part of that section's prose.
      current.lines.push({ text: raw, line: lineNo });
      return;
    }
    current = undefined;
    if (level === 1) {
      if (title === undefined) {
        title = headingText.replace(/^(feature\s+)?contract\s*[:—–-]\s*/i, '').trim();
        titleSpot = { line: lineNo, column: raw.indexOf(headingText) + 1 };
      }
      return;
    }
    // `## 1. feature_id` and `## 'provides'` name the field as well as `## feature_id`.
    const key = normaliseKey(headingText.replace(/^\d+[.)]\s*/, '').replace(/^['"](.*)['"]$/, '$1'));
    const spot = heading ? { line: lineNo, column: level + 2 } : { line: lineNo, column: 1 };
    if (CONTRACT_FIELDS.includes(key)) {
      if (!sections.has(key)) {
        const section = { spot, lines: [] as { text: string; line: number }[] };
        sections.set(key, section);
        current = section;
        currentLevel = level;
      }
      return;
    }
    // Prose headings ("## Notes") are body; only a near miss of a field name is worth a warning.
    if (/^[a-z][a-z_]*$/.test(key)) {
      const suggestion = closestName(key, CONTRACT_FIELDS);
      if (suggestion !== undefined && (key.includes('_') || suggestion.startsWith(key) || key.length > 4)) {
        unknown.push({ heading: headingText, suggestion, spot });
      }
    }
  });

  const data: Record<string, unknown> = {};
  for (const [key, section] of sections) {
    spots.set(key, section.spot);
    const items = readItems(section.lines);
    if (SCALAR_FIELDS.has(key) || NUMBER_FIELDS.has(key)) {
      const first = items[0];
      if (!first) continue;
      spots.set(key, first.spot);
      data[key] = readScalar(key, first.text);
    } else if (key === 'owns') {
      const globs: string[] = [];
      for (const item of flatten(items)) {
        for (const part of splitTopLevel(item.text)) {
          if (NONE.test(part)) continue;
          spots.set(`owns.${globs.length}`, item.spot);
          globs.push(stripTicks(part));
        }
      }
      data.owns = globs;
    } else if (key === 'provides') {
      data.provides = readProvides(items, spots);
    } else if (key === 'depends_on') {
      data.depends_on = readDependsOn(items, spots, knownIds);
    } else if (key === 'acceptance_criteria') {
      data.acceptance_criteria = items.map((item, i) => readCriterion(item, i, spots));
    }
  }
  if (data.title === undefined && title) {
    data.title = title;
    if (titleSpot) spots.set('title', titleSpot);
  }
  return { data, spots, unknown };
}

/** Groups a section's lines into bullets (nested by indentation) and loose lines. */
function readItems(lines: readonly { text: string; line: number }[]): Item[] {
  const roots: Item[] = [];
  const stack: { indent: number; item: Item }[] = [];
  let inFence = false;
  for (const { text, line } of lines) {
    if (/^\s*(```|~~~)/.test(text)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || text.trim() === '' || /^#{1,6}\s/.test(text) || /^\s*<!--.*-->\s*$/.test(text)) continue;
    const bullet = /^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$/.exec(text);
    if (bullet) {
      const indent = (bullet[1] ?? '').length;
      const body = (bullet[2] ?? '').trim();
      const item: Item = { text: body, spot: { line, column: indent + 3 }, children: [] };
      while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.item.children.push(item);
      else roots.push(item);
      stack.push({ indent, item });
      continue;
    }
    const indent = /^\s*/.exec(text)?.[0].length ?? 0;
    const last = stack[stack.length - 1];
    if (last && indent > last.indent) {
      // A continuation line of the bullet above.
      last.item.text = `${last.item.text} ${text.trim()}`;
      continue;
    }
    stack.length = 0;
    roots.push({ text: text.trim(), spot: { line, column: indent + 1 }, children: [] });
  }
  return roots;
}

function flatten(items: readonly Item[]): Item[] {
  return items.flatMap((item) => [item, ...flatten(item.children)]);
}

function stripTicks(s: string): string {
  const t = s.trim();
  return /^`[^`]*`$/.test(t) ? t.slice(1, -1).trim() : t;
}

function readScalar(key: string, text: string): unknown {
  const value = stripTicks(text);
  if (NUMBER_FIELDS.has(key)) {
    const n = /^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?)?$/i.exec(value);
    return n ? Number(n[1]) : value;
  }
  if (key === 'attempts') {
    // `3`, or a list of agents: `claude, codex`.
    return /^\d+$/.test(value) ? Number(value) : splitTopLevel(value).map(stripTicks);
  }
  if (key === 'agent') {
    const command = /^command:\s*(.+)$/.exec(value);
    if (command) return { command: stripTicks(command[1] ?? '') };
  }
  return value;
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

function readProvides(items: readonly Item[], spots: Map<string, Spot>): Record<string, string[]> {
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

function readDependsOn(
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
function readCriterion(item: Item, index: number, spots: Map<string, Spot>): unknown {
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
      return parseYaml(value);
    } catch {
      // Left as text, the schema then says what shape was expected, at this line.
      return value;
    }
  }
  return value;
}
