/**
 * The file `dashboard --open` hands to the browser opener. The opener's command line (and that of a
 * browser it starts, for the browser's whole life) is readable by every local user in
 * /proc/<pid>/cmdline, so it names only this file: a page readable by its owner alone that sends the
 * browser on to the address with the token, as Jupyter does.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapeXml } from '../report/svg.js';
import { makeTempFolder } from '../temp-folder.js';

/** A redirect page on disk: its `file:` address, and how to remove it once the dashboard stops. */
export interface OpenPage {
  fileUrl: string;
  remove(): void;
}

/**
 * Writes the page that redirects to `url` (token included) in a fresh folder only its owner can enter;
 * throws when it cannot (`env/tmpdir` for a temporary folder that cannot be used).
 */
export function writeOpenPage(url: string): OpenPage {
  // mkdtemp makes the folder 0700; the file is 0600 and new (`wx`), so no one else's file is written through.
  const dir = makeTempFolder('baton-dashboard-');
  const file = join(dir, 'open.html');
  try {
    writeFileSync(file, redirectPage(url), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    fileUrl: pathToFileURL(file).href,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A page that goes to `url` at once (a meta refresh, and a script for browsers that ignore it), with a link. */
export function redirectPage(url: string): string {
  const attr = escapeXml(url);
  const script = JSON.stringify(url).replace(/</g, '\\u003c');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<meta http-equiv="refresh" content="0;url=${attr}">`,
    '<title>Baton dashboard</title></head>',
    `<body><script>location.replace(${script});</script>`,
    `<p><a href="${attr}">Open the Baton dashboard</a></p></body></html>`,
    '',
  ].join('\n');
}
