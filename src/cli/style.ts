/**
 * The terminal's colours, tables and escaping live in src/terminal/style.ts, where the renderers
 * outside cli/ (coupling) import them too; the commands import them from here.
 */
export * from '../terminal/style.js';
