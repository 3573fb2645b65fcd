// blessed 0.1.81 measures emoji outside the BMP as one column, while terminals draw them in
// two: every emoji shifts the rest of its line, the right border and the cursor. We install
// our width table (width.ts) into blessed's unicode module, which element.js and screen.js
// call through at render time, so one table decides widths everywhere.
import { createRequire } from 'node:module';
import { codePointWidth, isWide } from './width.ts';

interface BlessedUnicode {
  charWidth(str: string | number, i?: number): number;
  codePointAt(str: string, i: number): number;
  combining: Record<number, boolean>;
  chars: { all: RegExp };
  __natterPatched?: boolean;
}

const require = createRequire(import.meta.url);

/** Idempotent; call before creating the screen. */
export function patchBlessedWidths(): void {
  const unicode = require('blessed/lib/unicode.js') as BlessedUnicode;
  if (unicode.__natterPatched) return;
  const original = unicode.charWidth.bind(unicode);
  unicode.charWidth = (str: string | number, i?: number): number => {
    const point = typeof str === 'number' ? str : unicode.codePointAt(str, i ?? 0);
    if (point === 0x09 || point < 0x20) return original(point);
    if (unicode.combining[point]) return 0;
    return codePointWidth(point) === 2 ? 2 : original(point) === 0 ? 0 : 1;
  };
  // element.js appends a filler cell ('\x03') after every match of chars.all, which
  // screen.js then skips when it draws a 2-column character. Match exactly our wide set,
  // so the filler appears after astral emoji too.
  unicode.chars.all = wideRegExp();
  unicode.__natterPatched = true;
}

function wideRegExp(): RegExp {
  // Enumerating is simpler than re-deriving the ranges and costs ~30 ms once.
  const ranges: string[] = [];
  let start = -1;
  for (let cp = 0x1100; cp <= 0x3fffe; cp++) {
    const wide = cp <= 0x3fffd && isWide(cp) && codePointWidth(cp) === 2;
    if (wide && start < 0) start = cp;
    if (!wide && start >= 0) {
      ranges.push(`\\u{${start.toString(16)}}-\\u{${(cp - 1).toString(16)}}`);
      start = -1;
    }
  }
  return new RegExp(`([${ranges.join('')}])`, 'gu');
}
