// The conversation pane's scroll position, in display lines above the bottom. It stays on
// the same lines while older pages load above them and new messages arrive below, and it
// moves to a search result when asked. Rendered lines are cached per chat line (view.ts),
// so a long scrollback costs little per frame.
import type { ChatLine } from './types.ts';
import { renderLineCached } from './view.ts';

export interface Frame {
  rows: string[];
  /** Display lines above the top of the view: few left means the next older page is due. */
  above: number;
  scroll: number;
}

export class Viewport {
  scroll = 0;
  /** Lines that arrived below while scrolled back (`-MORE(n)-`); 0 again at the bottom. */
  more = 0;
  private lines: ChatLine[] | undefined;
  private bottom: ChatLine | undefined;
  private target: ChatLine | undefined;
  /** The search result gone to: shown underlined until the view goes back to the bottom. */
  private found: ChatLine | undefined;

  pageUp(rows: number): void {
    this.scroll += rows;
  }

  pageDown(rows: number): void {
    this.scroll = Math.max(0, this.scroll - rows);
  }

  toBottom(): void {
    this.scroll = 0;
    this.more = 0;
    this.found = undefined;
  }

  /** Scrolls so that `line` shows a third of the way down, at the next frame that has it. */
  show(line: ChatLine): void {
    this.target = line;
    this.found = line;
  }

  frame(lines: ChatLine[], width: number, height: number): Frame {
    const rendered = lines.map((l) => {
      const rows = renderLineCached(l, width);
      return l === this.found ? rows.map((r) => `{underline}${r}{/underline}`) : rows;
    });
    if (lines !== this.lines) {
      this.scroll = 0; // another conversation (or home): start at its bottom
      this.more = 0;
      if (this.found !== undefined && !lines.includes(this.found)) this.found = undefined;
    } else if (this.scroll > 0 && this.bottom !== undefined && lines.at(-1) !== this.bottom) {
      // Lines arrived below while scrolled back: keep the view where the person left it.
      const at = lines.lastIndexOf(this.bottom);
      if (at >= 0) for (let i = at + 1; i < rendered.length; i++) this.scroll += rendered[i]?.length ?? 0;
      if (at >= 0) this.more += lines.length - 1 - at;
    }
    const all = rendered.flat();
    const targetAt = this.target === undefined ? -1 : lines.indexOf(this.target);
    if (targetAt >= 0) {
      let start = 0;
      for (let i = 0; i < targetAt; i++) start += rendered[i]?.length ?? 0;
      const top = Math.max(0, start - Math.floor(height / 3));
      this.scroll = all.length - (top + height);
      this.target = undefined;
    }
    this.scroll = Math.min(Math.max(0, this.scroll), Math.max(0, all.length - height));
    if (this.scroll === 0) this.more = 0;
    const end = all.length - this.scroll;
    const from = Math.max(0, end - height);
    this.lines = lines;
    this.bottom = lines.at(-1);
    return { rows: all.slice(from, end), above: from, scroll: this.scroll };
  }
}
