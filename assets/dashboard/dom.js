// Tiny element builders. Text always goes in as text nodes, never as markup, so nothing from the log
// or a contract can inject HTML into the page.

const SVG_NS = 'http://www.w3.org/2000/svg';

// What `escapeControl` (src/text/escape.ts) escapes for a terminal, newlines and tabs left for multi-line
// text: C0, DEL, C1, U+2028/2029 and every bidi control (the marks ALM, LRM and RLM, the embeddings,
// overrides and isolates) that reorders what a line appears to say. The JSON the page reads turns `\u202e` back into the raw character: it is escaped here.
const WIDE = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${WIDE}]`, 'g');

/** Attributes people read (tooltips, labels); data-* and the rest are keys and stay as the log wrote them. */
const SHOWN_ATTRIBUTES = /^(title|alt|aria-.*)$/;

/** Untrusted text as the page shows it: each control or bidi character as `\x1b`, `\u202e`. */
export function shown(text) {
  return String(text).replace(CONTROL, (c) => {
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (SHOWN_ATTRIBUTES.test(name)) el.setAttribute(name, value === true ? '' : shown(value));
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(shown(child)));
  }
  return el;
}

/** Creates an HTML element with attributes and children. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** Creates an SVG element with attributes and children. */
export function svg(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}
