// The input line's editing state: code points and a cursor, scrolled horizontally by display
// width. Our own widget because blessed's textbox (inputOnFocus) doubles typed characters
// and swallows Ctrl-C.
import { codePointWidth, strWidth } from './width.ts';

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

  /** Returns the value and empties the line. */
  take(): string {
    const value = this.value;
    this.chars = [];
    this.cursor = 0;
    return value;
  }

  /** The visible slice for `width` columns and the cursor's column within it. */
  view(width: number): { text: string; cursorCol: number } {
    // Start far enough right that the cursor (plus one cell for it) is visible.
    let start = 0;
    let before = strWidth(this.chars.slice(0, this.cursor).join(''));
    while (before + 1 > width && start < this.cursor) {
      before -= codePointWidth(this.chars[start]?.codePointAt(0) ?? 0);
      start++;
    }
    let text = '';
    let used = 0;
    for (let i = start; i < this.chars.length; i++) {
      const ch = this.chars[i] ?? '';
      const w = codePointWidth(ch.codePointAt(0) ?? 0);
      if (used + w > width) break;
      text += ch;
      used += w;
    }
    return { text, cursorCol: before };
  }
}
