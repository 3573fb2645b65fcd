// Keys while the input line has focus: editing (readline's and irssi's bindings), recall of
// sent lines, Tab completion. No blessed here: keys arrive as blessed's { name, full } pairs
// and the result says what the app must do next.
import { complete } from './complete.ts';
import type { Drafts } from './drafts.ts';
import type { InputLine } from './input-line.ts';
import { stripUnsafe } from './sanitize.ts';

export interface KeyInfo { name?: string; full?: string; ctrl?: boolean; meta?: boolean }

/** What the app does after a key in the input: nothing more, send, quit, move focus, show candidates. */
export type InputAction =
  | { kind: 'none' }
  | { kind: 'submit' }
  | { kind: 'quit' }
  | { kind: 'focus-list' }
  | { kind: 'candidates'; names: string[] };

const EDITS: Record<string, (line: InputLine) => void> = {
  'C-a': (l) => l.start(),
  'C-e': (l) => l.end(),
  'C-w': (l) => l.deleteWordBack(),
  'C-u': (l) => l.killToStart(),
  'C-k': (l) => l.killToEnd(),
  'M-b': (l) => l.wordLeft(),
  'M-f': (l) => l.wordRight(),
  backspace: (l) => l.backspace(),
  delete: (l) => l.deleteForward(),
  left: (l) => l.left(),
  right: (l) => l.right(),
  home: (l) => l.home(),
  end: (l) => l.end(),
};

export class InputKeys {
  /** blessed splits its input into UTF-16 units: a high surrogate waits for its pair (emoji). */
  private highSurrogate = '';

  constructor(private readonly drafts: Drafts) {}

  /** `key`: the buffer in view (its draft is edited); `names`: peer names for Tab. */
  handle(bufferKey: string, ch: string | undefined, key: KeyInfo, names: () => string[]): InputAction {
    const line = this.drafts.of(bufferKey);
    if (key.name === 'enter') return { kind: 'submit' };
    if (key.name === 'up' || key.name === 'down') {
      this.drafts.recall(bufferKey, key.name === 'up' ? -1 : 1);
      return { kind: 'none' };
    }
    if (key.name === 'tab') return this.tab(line, names());
    if (key.full === 'C-d' && line.value === '') return { kind: 'quit' };
    const edit = EDITS[key.full ?? ''] ?? EDITS[key.name ?? ''];
    if (edit && (key.full === key.name || key.ctrl || key.meta)) {
      edit(line);
      this.drafts.edited();
      return { kind: 'none' };
    }
    if (ch === undefined || key.ctrl || key.meta) return { kind: 'none' };
    if (/^[\ud800-\udbff]$/.test(ch)) {
      this.highSurrogate = ch;
      return { kind: 'none' };
    }
    const text = stripUnsafe(this.highSurrogate + ch);
    this.highSurrogate = '';
    if (text !== '') {
      line.insert(text);
      this.drafts.edited();
    }
    return { kind: 'none' };
  }

  /** Tab completes the partial word before the cursor; with nothing to complete it moves focus. */
  private tab(line: InputLine, names: string[]): InputAction {
    const word = line.wordBeforeCursor();
    const done = complete(word, line.wordIsFirst(), names);
    if (!done) return { kind: 'focus-list' };
    line.replaceWordBeforeCursor(done.text);
    this.drafts.edited();
    return done.candidates.length > 0 ? { kind: 'candidates', names: done.candidates } : { kind: 'none' };
  }
}
