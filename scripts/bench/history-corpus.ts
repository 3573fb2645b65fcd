// Text and rows for the history benchmarks: a fixed-seed generator, so every run stores and
// searches the same words. Word frequencies follow a Zipf-like curve (a few words in most
// messages, most words rare), as chat text does, which is what FTS doclists look like.

import type { IncomingRow } from '../../src/store/history/history-api.ts';
import { seededRandom } from '../../test/helpers/prng.ts';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'si', 'de', 'po', 'gu', 'ha', 'be', 'zo', 'fi', 'we'];
export const VOCABULARY_SIZE = 5_000;

/** A deterministic PRNG (the tests' mulberry32): the same corpus on every machine. */
export const prng = seededRandom;

/** Word i of the vocabulary: distinct, pronounceable, 4-8 letters. */
export function word(i: number): string {
  let w = '';
  let n = i + 17;
  do {
    w += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return w.length < 4 ? `${w}ri` : w;
}

export class Corpus {
  private readonly random: () => number;
  private readonly words = Array.from({ length: VOCABULARY_SIZE }, (_, i) => word(i));

  constructor(seed = 42) {
    this.random = prng(seed);
  }

  /** A Zipf-ish rank: rank r with probability about 1/r. */
  rank(): number {
    return Math.min(VOCABULARY_SIZE - 1, Math.floor(Math.exp(this.random() * Math.log(VOCABULARY_SIZE))) - 1);
  }

  /** 4-14 words, like a chat line. */
  text(): string {
    const n = 4 + Math.floor(this.random() * 11);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.words[this.rank()]!);
    return out.join(' ');
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** `n` incoming rows spread over `peers` contacts, msgIds `prefix-<i>`. */
  incoming(prefix: string, from: number, n: number, peers: readonly string[], now: number): IncomingRow[] {
    return Array.from({ length: n }, (_, i) => {
      const peerId = peers[(from + i) % peers.length]!;
      return { msgId: `${prefix}-${from + i}`, peerId, peerName: `peer-${peerId.slice(0, 6)}`, seq: from + i, text: this.text(), sentAt: now + i };
    });
  }
}

/** Contact ids shaped like ours (64 hex characters). */
export const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, '0'));
