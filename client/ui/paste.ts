// Bracketed paste (xterm, tmux, every modern terminal): with `ESC[?2004h` on, a paste arrives
// between `ESC[200~` and `ESC[201~`. The UI takes it out of the key stream whole, so its
// newlines stay in one message instead of pressing Enter once per line.

export const PASTE_ON = '\x1b[?2004h';
export const PASTE_OFF = '\x1b[?2004l';
const START = '\x1b[200~';
const END = '\x1b[201~';

/** Above this a paste asks first (irssi's paste_verify_line_count, and a length for one long line). */
export const PASTE_ASK_LINES = 5;
export const PASTE_ASK_CHARS = 1000;

export function pasteNeedsConfirm(text: string): boolean {
  return text.split('\n').length > PASTE_ASK_LINES || text.length > PASTE_ASK_CHARS;
}

/** Splits input chunks into key bytes (passed on) and pastes (one callback each, even across chunks). */
export class PasteParser {
  private pasting = false;
  private buffer = '';
  /** The end of the last chunk, when it may be the start of a marker cut in two. */
  private held = '';

  constructor(private readonly onPaste: (text: string) => void) {}

  /** Hands what is not paste to `pass` (the key parser), in order, with paste callbacks in between. */
  feed(chunk: string, pass: (keys: string) => void): void {
    let data = this.held + chunk;
    this.held = '';
    while (data !== '') {
      const marker = this.pasting ? END : START;
      const at = data.indexOf(marker);
      if (at < 0) {
        const keep = partialSuffix(data, marker);
        const now = data.slice(0, data.length - keep);
        this.held = data.slice(data.length - keep);
        if (this.pasting) this.buffer += now;
        else if (now !== '') pass(now);
        return;
      }
      if (this.pasting) {
        this.buffer += data.slice(0, at);
        this.pasting = false;
        const text = this.buffer;
        this.buffer = '';
        this.onPaste(normalise(text));
      } else {
        if (at > 0) pass(data.slice(0, at));
        this.pasting = true;
      }
      data = data.slice(at + marker.length);
    }
  }
}

/** The length of the longest end of `data` that begins `marker` (a marker split across chunks). */
function partialSuffix(data: string, marker: string): number {
  // A lone ESC is the Esc key: never held back (it would wait for the next keypress).
  for (let n = Math.min(marker.length - 1, data.length); n > 1; n--) {
    if (marker.startsWith(data.slice(data.length - n))) return n;
  }
  return 0;
}

/** Terminals send a pasted newline as CR: the message gets '\n'. */
function normalise(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
