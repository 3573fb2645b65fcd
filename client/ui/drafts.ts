// Each buffer's own input line (a draft belongs to the conversation it was typed in) and the
// lines sent, recalled with Up/Down as in a shell. Keyed by buffer: HOME or a peer id.
import { InputLine } from './input-line.ts';

/** Sent lines remembered for Up. */
const RECALL_MAX = 200;

export class Drafts {
  private readonly lines = new Map<string, InputLine>();
  private readonly sent: string[] = [];
  /** Up/Down position in `sent` (sent.length: the draft itself), and the draft it replaced. */
  private recallAt = 0;
  private recallKey: string | undefined;
  private stash = '';

  /** The input line of buffer `key`, created empty. */
  of(key: string): InputLine {
    let line = this.lines.get(key);
    if (!line) {
      line = new InputLine();
      this.lines.set(key, line);
    }
    return line;
  }

  /** A line was sent (or a command run): Up brings it back. */
  remember(text: string): void {
    if (text.trim() === '') return;
    if (this.sent.at(-1) !== text) this.sent.push(text);
    if (this.sent.length > RECALL_MAX) this.sent.shift();
    this.recallKey = undefined;
  }

  /** Up (-1) / Down (+1) in buffer `key`: an older / newer sent line; past the newest, the draft again. */
  recall(key: string, delta: -1 | 1): void {
    const line = this.of(key);
    if (this.recallKey !== key) {
      this.recallKey = key;
      this.recallAt = this.sent.length;
      this.stash = line.value;
    }
    const at = Math.min(this.sent.length, Math.max(0, this.recallAt + delta));
    if (at === this.recallAt) return;
    this.recallAt = at;
    line.set(at === this.sent.length ? this.stash : this.sent[at] ?? '');
  }

  /** Typing ends a recall: the next Up starts again from the newest line. */
  edited(): void {
    this.recallKey = undefined;
  }
}
