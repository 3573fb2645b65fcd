// The input line's editing state: code points and a cursor, scrolled horizontally by display
// width. Our own widget because blessed's textbox (inputOnFocus) doubles typed characters
// and swallows Ctrl-C.
import { strWidth } from './width.ts';

const FORMAT = /^\p{Cf}$/u;

export class InputLine {
  private chars: string[] = [];
  private cursor = 0;

  get value(): string {
    return this.chars.join('');
  }

  insert(text: string): void {
    const add = Array.from(text);
    this.chars.splice(this.cursor, 0, ...add);
    this.cursor += add.length;
  }

  backspace(): void {
    if (this.cursor === 0) return;
    this.chars.splice(this.cursor - 1, 1);
    this.cursor--;
  }

  deleteForward(): void {
    this.chars.splice(this.cursor, 1);
  }

  left(): void {
    this.cursor = Math.max(0, this.cursor - 1);
  }

  right(): void {
    this.cursor = Math.min(this.chars.length, this.cursor + 1);
  }

  home(): void {
    this.cursor = 0;
  }

  end(): void {
    this.cursor = this.chars.length;
  }

  /** Ctrl-A. */
  start(): void {
    this.cursor = 0;
  }

  /** Alt-B: to the start of the word before the cursor. */
  wordLeft(): void {
    this.cursor = this.wordStartBefore();
  }

  /** Alt-F: to the end of the word after the cursor. */
  wordRight(): void {
    let i = this.cursor;
    while (i < this.chars.length && isSpace(this.chars[i])) i++;
    while (i < this.chars.length && !isSpace(this.chars[i])) i++;
    this.cursor = i;
  }

  /** Ctrl-W: deletes the word before the cursor (and the spaces after it). */
  deleteWordBack(): void {
    const from = this.wordStartBefore();
    this.chars.splice(from, this.cursor - from);
    this.cursor = from;
  }

  /** Ctrl-U: deletes from the start of the line to the cursor. */
  killToStart(): void {
    this.chars.splice(0, this.cursor);
    this.cursor = 0;
  }

  /** Ctrl-K: deletes from the cursor to the end of the line. */
  killToEnd(): void {
    this.chars.splice(this.cursor);
  }

  /** Replaces the whole line (history recall, completion), cursor at the end. */
  set(text: string): void {
    this.chars = Array.from(text);
    this.cursor = this.chars.length;
  }

  /** The partial word just before the cursor (for Tab), or '' after a space. */
  wordBeforeCursor(): string {
    return this.chars.slice(this.wordStartBefore(true), this.cursor).join('');
  }

  /** The word before the cursor is the line's first (a command, or a name to address). */
  wordIsFirst(): boolean {
    return this.chars.slice(0, this.wordStartBefore(true)).every(isSpace);
  }

  /** Replaces the word before the cursor with `text`. */
  replaceWordBeforeCursor(text: string): void {
    const from = this.wordStartBefore(true);
    const add = Array.from(text);
    this.chars.splice(from, this.cursor - from, ...add);
    this.cursor = from + add.length;
  }

  private wordStartBefore(strict = false): number {
    let i = this.cursor;
    if (!strict) while (i > 0 && isSpace(this.chars[i - 1])) i--;
    while (i > 0 && !isSpace(this.chars[i - 1])) i--;
    return i;
  }

  /** Returns the value and empties the line. */
  take(): string {
    const value = this.value;
    this.chars = [];
    this.cursor = 0;
    return value;
  }

  /** The visible slice for `width` columns and the cursor's column within it. */
  view(width: number): { text: string; cursorCol: number } {
    const shown = this.chars.map(display);
    // Start far enough right that the cursor (plus one cell for it) is visible.
    let start = 0;
    let before = strWidth(shown.slice(0, this.cursor).join(''));
    while (before + 1 > width && start < this.cursor) {
      before -= strWidth(shown[start] ?? '');
      start++;
    }
    let text = '';
    let used = 0;
    for (let i = start; i < shown.length; i++) {
      const ch = shown[i] ?? '';
      const w = strWidth(ch);
      if (used + w > width) break;
      text += ch;
      used += w;
    }
    return { text, cursorCol: before };
  }
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t';
}

/**
 * What one code point of the input looks like on the one-row input line. A newline (a paste)
 * shows as ⏎. A format character (ZWJ, ZWNJ, …) is not drawn at all: terminals disagree on
 * whether a lone ZWJ takes a cell, and our cursor column would then be off; the text keeps it.
 */
function display(ch: string): string {
  if (ch === '\n') return '⏎';
  return FORMAT.test(ch) ? '' : ch;
}
