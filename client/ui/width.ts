// Display width in terminal columns, as glibc's wcwidth and tmux measure it: East Asian Wide
// and Fullwidth characters (CJK, and emoji with emoji presentation) take two columns,
// combining marks and format characters none. blessed measures astral emoji as one column;
// blessed-patch.ts installs this table into blessed so borders and the cursor stay put.

/** Inclusive [first, last] pairs of two-column code points (Unicode 14 EastAsianWidth W/F). */
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3,
  0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x2648, 0x2653, 0x267f, 0x267f, 0x2693, 0x2693,
  0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4,
  0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd,
  0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728, 0x274c, 0x274c, 0x274e, 0x274e, 0x2753,
  0x2755, 0x2757, 0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c,
  0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x2e99, 0x2e9b, 0x2ef3, 0x2f00, 0x2fd5, 0x2ff0,
  0x2ffb, 0x3000, 0x3029, 0x302e, 0x303e, 0x3041, 0x3096, 0x309b, 0x30ff, 0x3105, 0x312f,
  0x3131, 0x318e, 0x3190, 0x31e3, 0x31f0, 0x321e, 0x3220, 0x3247, 0x3250, 0x4dbf, 0x4e00,
  0xa48c, 0xa490, 0xa4c6, 0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfa6d, 0xfa70, 0xfad9,
  0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66, 0xfe68, 0xfe6b, 0xff01, 0xff60, 0xffe0,
  0xffe6, 0x16fe0, 0x16fe3, 0x16ff0, 0x16ff1, 0x17000, 0x187f7, 0x18800, 0x18cd5, 0x18d00,
  0x18d08, 0x1aff0, 0x1aff3, 0x1aff5, 0x1affb, 0x1affd, 0x1affe, 0x1b000, 0x1b122, 0x1b150,
  0x1b152, 0x1b164, 0x1b167, 0x1b170, 0x1b2fb, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e,
  0x1f18e, 0x1f191, 0x1f19a, 0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250,
  0x1f251, 0x1f260, 0x1f265, 0x1f300, 0x1f320, 0x1f32d, 0x1f335, 0x1f337, 0x1f37c, 0x1f37e,
  0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8,
  0x1f43e, 0x1f440, 0x1f440, 0x1f442, 0x1f4fc, 0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e, 0x1f550,
  0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680,
  0x1f6c5, 0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2, 0x1f6d5, 0x1f6d7, 0x1f6dd, 0x1f6df, 0x1f6eb,
  0x1f6ec, 0x1f6f4, 0x1f6fc, 0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c, 0x1f93a, 0x1f93c,
  0x1f945, 0x1f947, 0x1f9ff, 0x1fa70, 0x1fa74, 0x1fa78, 0x1fa7c, 0x1fa80, 0x1fa86, 0x1fa90,
  0x1faac, 0x1fab0, 0x1faba, 0x1fac0, 0x1fac5, 0x1fad0, 0x1fad9, 0x1fae0, 0x1fae7, 0x1faf0,
  0x1faf6, 0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

export function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const first = WIDE[2 * mid] ?? 0;
    const last = WIDE[2 * mid + 1] ?? 0;
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns one code point takes: 0, 1 or 2. Controls count 0 (they are stripped before display). */
export function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (isWide(cp)) return 2;
  return ZERO_WIDTH.test(String.fromCodePoint(cp)) ? 0 : 1;
}

export function strWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += codePointWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** The longest prefix of `text` that fits in `width` columns (never splits a code point). */
export function sliceToWidth(text: string, width: number): string {
  let w = 0;
  let end = 0;
  for (const ch of text) {
    const cw = codePointWidth(ch.codePointAt(0) ?? 0);
    if (w + cw > width) break;
    w += cw;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** Cuts to `width` columns, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (strWidth(text) <= width) return text;
  if (width <= 0) return '';
  return sliceToWidth(text, width - 1) + '…';
}

/** Pads with spaces to exactly `width` columns (after truncating). */
export function padToWidth(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - strWidth(cut)));
}

/** Wraps to lines of at most `width` columns, breaking at spaces (mid-word only for a word longer than a line). */
export function wrapToWidth(text: string, width: number): string[] {
  return wrapHanging(text, width, 0);
}

/**
 * Wraps like wrapToWidth, but rows after the first are indented by `indent` columns (a hanging
 * indent after `HH:MM name: `), so a message's text stays in one column.
 */
export function wrapHanging(text: string, width: number, indent: number): string[] {
  if (width <= 0) return [text];
  const pad = ' '.repeat(Math.max(0, Math.min(indent, width - 1)));
  const out: string[] = [];
  let rest = text;
  let w = width;
  while (strWidth(rest) > w) {
    let part = sliceToWidth(rest, w);
    if (part === '') part = Array.from(rest)[0] ?? rest; // a wide char in a 1-column pane
    // A word that ends exactly at the edge stays whole; otherwise
    const space = rest[part.length] === ' ' ? -1 : part.lastIndexOf(' ');
    // break after the last space that leaves something on this row (the hanging indent's own spaces do not count).
    if (space > 0 && part.slice(0, space).trim() !== '') part = part.slice(0, space + 1);
    out.push((out.length === 0 ? '' : pad) + part.trimEnd());
    rest = rest.slice(part.length).replace(/^ +/, '');
    w = width - pad.length;
  }
  out.push((out.length === 0 ? '' : pad) + rest);
  return out;
}
