/**
 * A tiny terminal screen for tests of live views: it applies what was written (text, newlines, cursor
 * up/down/column, erase line/end of line/below) to a grid of lines, so a test can assert what a person
 * would see, and whether earlier frames were overwritten or left in the scrollback. Lines longer than
 * `columns` wrap, as on a real terminal.
 */
export class FakeTerminal {
  readonly isTTY = true;
  readonly columns: number;
  readonly rows: number;
  /** Everything written, escape codes included. */
  raw = '';
  #lines: string[] = [''];
  #row = 0;
  #col = 0;

  constructor(columns = 80, rows = 40) {
    this.columns = columns;
    this.rows = rows;
  }

  write = (text: string): void => {
    this.raw += text;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing terminal escapes is the point
    const tokens = text.match(/\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+/g) ?? [];
    for (const t of tokens) this.#apply(t);
  };

  /** The screen's lines, colour codes removed and trailing blanks trimmed, without trailing empty lines. */
  screen(): string[] {
    const lines = this.#lines.map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  #apply(t: string): void {
    if (t === '\n') {
      this.#row++;
      this.#col = 0;
      this.#ensure();
      return;
    }
    if (t === '\r') {
      this.#col = 0;
      return;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing terminal escapes is the point
    const esc = /^\x1b\[([0-9;?]*)([A-Za-z])$/.exec(t);
    if (!esc) {
      for (const ch of t) {
        if (this.#col >= this.columns) {
          this.#row++;
          this.#col = 0;
          this.#ensure();
        }
        const line = (this.#lines[this.#row] ?? '').padEnd(this.#col);
        this.#lines[this.#row] = line.slice(0, this.#col) + ch + line.slice(this.#col + 1);
        this.#col++;
      }
      return;
    }
    const n = Number(esc[1] || '1');
    const line = this.#lines[this.#row] ?? '';
    switch (esc[2]) {
      case 'A':
        this.#row = Math.max(0, this.#row - n);
        break;
      case 'B':
        this.#row += n;
        this.#ensure();
        break;
      case 'G':
        this.#col = n - 1;
        break;
      case 'K':
        this.#lines[this.#row] = esc[1] === '2' ? '' : line.slice(0, this.#col);
        break;
      case 'J':
        this.#lines = [...this.#lines.slice(0, this.#row), line.slice(0, this.#col)];
        break;
      default:
        // Colours (m), cursor show/hide and synchronized output (h/l) do not move anything.
        break;
    }
  }

  #ensure(): void {
    while (this.#lines.length <= this.#row) this.#lines.push('');
  }
}
