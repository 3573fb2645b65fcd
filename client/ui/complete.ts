// Tab completion in the input: a command after a leading slash, otherwise a peer's name.
// One match is completed; several are completed to their common beginning and listed.
import { COMMANDS } from './help.ts';

export interface Completion {
  /** What replaces the partial word (unchanged if nothing could be added). */
  text: string;
  /** Several matches: the candidates, to show. */
  candidates: string[];
}

/**
 * `word`: the partial word before the cursor; `first`: it starts the line. Undefined when
 * nothing matches (Tab then moves focus, as it does on an empty input).
 */
export function complete(word: string, first: boolean, names: readonly string[]): Completion | undefined {
  if (word === '') return undefined;
  const command = first && word.startsWith('/');
  const pool = command ? COMMANDS.map((c) => c.name).filter((n) => n !== '//') : [...new Set(names)].filter((n) => n !== '');
  const lower = word.toLowerCase();
  const matches = pool.filter((n) => n.toLowerCase().startsWith(lower)).sort();
  if (matches.length === 0) return undefined;
  if (matches.length === 1) {
    const only = matches[0] ?? word;
    return { text: `${only}${command ? ' ' : first ? ': ' : ' '}`, candidates: [] };
  }
  return { text: commonPrefix(matches, word), candidates: matches };
}

function commonPrefix(words: readonly string[], typed: string): string {
  const chars = words.map((w) => Array.from(w));
  const first = chars[0] ?? [];
  let n = 0;
  while (n < first.length && chars.every((c) => c[n]?.toLowerCase() === first[n]?.toLowerCase())) n++;
  const prefix = first.slice(0, n).join('');
  return prefix.length > typed.length ? prefix : typed;
}
