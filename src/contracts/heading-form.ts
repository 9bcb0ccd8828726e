/**
 * The heading form of a contract (`## feature_id`, bullets, the seed's numbered and labelled lines) read
 * into the same raw fields as the front matter: this file finds the sections and their bullets; what is
 * in each section is read by heading-sections.ts, the labelled-line splitting by labels.ts.
 */
import {
  type Item,
  normaliseKey,
  readCriterion,
  readDependsOn,
  readOwns,
  readProvides,
  type Spot,
  splitTopLevel,
  stripTicks,
} from './heading-sections.js';
import { CONTRACT_FIELDS } from './schema.js';
import { closestName } from './suggest.js';

export type { Spot } from './heading-sections.js';

/** What the heading form yields: raw fields shaped like the front matter, and where each was written. */
export interface HeadingForm {
  data: Record<string, unknown>;
  /** Dotted paths (`acceptance_criteria.2.run`) → where the value was written. */
  spots: Map<string, Spot>;
  /** Headings that look like a misspelt field, with the closest known name. */
  unknown: { heading: string; suggestion: string; spot: Spot }[];
  /** A field's heading written again after its first: where each stands (what is under the second is not read). */
  duplicates: { field: string; first: Spot; spot: Spot }[];
}

const SCALAR_FIELDS = new Set(['feature_id', 'title', 'serve', 'agent', 'attempts', 'select']);
const NUMBER_FIELDS = new Set(['estimate_minutes', 'timeout_minutes', 'retries']);
/**
 * A field named on a line of its own, the way the method's example writes it: `## feature_id`,
 * ``1. `feature_id` ``, `## 1. feature_id`, `2. 'provides'` (a heading or a numbered line; quotes and
 * backticks around the name are dropped, typographic ones too: `2. ‘provides’` is the example copied
 * from a slide or a word processor). Groups: the `#`s, the name.
 */
const FIELD_LINE = /^\s*(#{1,6}\s+)?(?:\d+[.)]\s+)?[`'"‘’“”]?([A-Za-z][\w -]*?)[`'"‘’“”]?\s*:?\s*#*\s*$/;

/** Whether a markdown text is written in the heading form (a `## feature_id` heading or numbered line). */
export function isHeadingForm(text: string): boolean {
  return text.split(/\r?\n/).some((line) => {
    const m = FIELD_LINE.exec(line);
    if (m === null || normaliseKey(m[2] ?? '') !== 'feature_id') return false;
    // `# …` is the title; a field is a second-level (or deeper) heading or a numbered line.
    return m[1] === undefined ? /^\s*\d/.test(line) : !/^\s*#\s/.test(line);
  });
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
  const { sections, unknown, duplicates, title } = findSections(text.split(/\r?\n/));
  const spots = new Map<string, Spot>();
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
      data.owns = readOwns(items, spots);
    } else if (key === 'provides') {
      data.provides = readProvides(items, spots);
    } else if (key === 'depends_on') {
      data.depends_on = readDependsOn(items, spots, knownIds);
    } else if (key === 'acceptance_criteria') {
      data.acceptance_criteria = items.map((item, i) => readCriterion(item, i, spots));
    }
  }
  if (data.title === undefined && title?.text) {
    data.title = title.text;
    spots.set('title', title.spot);
  }
  return { data, spots, unknown, duplicates };
}

/** A field's section: where its heading stands and the lines under it. */
interface Section {
  spot: Spot;
  /** The heading's level (a numbered field line counts as 2). */
  level: number;
  lines: { text: string; line: number }[];
}

/**
 * Splits the text into field sections (headings or numbered field lines, fenced code left alone),
 * with the `#` title and the headings that look like a misspelt field.
 */
function findSections(lines: readonly string[]): {
  sections: Map<string, Section>;
  unknown: HeadingForm['unknown'];
  duplicates: HeadingForm['duplicates'];
  title: { text: string; spot: Spot } | undefined;
} {
  const unknown: HeadingForm['unknown'] = [];
  const duplicates: HeadingForm['duplicates'] = [];
  const sections = new Map<string, Section>();
  let title: { text: string; spot: Spot } | undefined;
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
      title ??= {
        text: headingText.replace(/^(feature\s+)?contract\s*[:—–-]\s*/i, '').trim(),
        spot: { line: lineNo, column: raw.indexOf(headingText) + 1 },
      };
      return;
    }
    // `## 1. feature_id` and `## 'provides'` (or `## “provides”`) name the field as well as `## feature_id`.
    const key = normaliseKey(headingText.replace(/^\d+[.)]\s*/, '').replace(/^['"‘’“”](.*)['"‘’“”]$/, '$1'));
    const spot = heading ? { line: lineNo, column: level + 2 } : { line: lineNo, column: 1 };
    if (CONTRACT_FIELDS.includes(key)) {
      const first = sections.get(key);
      // A repeat deeper than the first (`### Owns` under a later `## Notes`) is that prose's heading.
      if (first) {
        if (level <= first.level) duplicates.push({ field: key, first: first.spot, spot });
        return;
      }
      const section: Section = { spot, level, lines: [] };
      sections.set(key, section);
      current = section;
      currentLevel = level;
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
  return { sections, unknown, duplicates, title };
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
