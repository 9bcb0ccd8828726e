/** Whether a UTF-16 code unit is a C0 control but tab, DEL, or a C1 control. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

/** Shows control characters of a string from the log or an agent as `\xNN`, so it cannot move the cursor or recolour the terminal. */
export function escapeControl(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += isControl(code) ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
