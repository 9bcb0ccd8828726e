// The report's own sentences keep their code spans as written: a path such as `app/[slug]/page.tsx`
// showed as `app/\[slug\]/page.tsx` in the markdown diagnosis (backslash escapes are text inside a code
// span), while outside code spans every `<`, `&` and `[` is still escaped, whatever the values hold.
import { describe, expect, it } from 'vitest';
import { table } from '../../src/report/markdown-table.js';
import { outsideCodeSpans } from '../../src/text/markdown-code.js';

const escaped = (s: string) => outsideCodeSpans(s, (plain) => plain.replace(/[<>&[\]]/g, (c) => `\\${c}`));

describe('outsideCodeSpans', () => {
  it('leaves a code span as written and escapes around it', () => {
    expect(escaped('`app/[slug]/page.tsx` changed <here> & [there]')).toBe(
      '`app/[slug]/page.tsx` changed \\<here\\> \\& \\[there\\]',
    );
    expect(escaped('``a`[b]`` and `[c]`')).toBe('``a`[b]`` and `[c]`');
  });

  it('takes no backslash-escaped or unclosed backtick for a code span: what follows is escaped', () => {
    expect(escaped('\\`<img src=x onerror=alert(1)>`')).toBe('\\`\\<img src=x onerror=alert(1)\\>`');
    expect(escaped('`<b> never closed')).toBe('`\\<b\\> never closed');
    expect(escaped('``<b>` mismatched')).toBe('``\\<b\\>` mismatched');
  });
});

describe('a huge cell in a markdown table', () => {
  it('is written whole, and no other row is padded to it', () => {
    const lines = table(
      ['Feature', 'Reason'],
      ['l', 'l'],
      [
        ['a', 'C'.repeat(100_000)],
        ['b', 'short'],
      ],
    );
    expect(lines[2]).toContain('C'.repeat(100_000));
    // The other rows stay short: padded to 160 characters at most, not to the 100,000 of the long one.
    expect(lines[3]?.length).toBeLessThan(200);
    expect(lines.join('\n').length).toBeLessThan(101_000);
  });
});
