// What the UI knows about who each peer is, from events alone: known (a key pinned, seen
// before), verified (the person compared the fingerprint out of band and said /verify), and
// look-alike (a name a person could mistake for a contact's). Names that look alike are
// told apart by short id wherever they are shown (model.ts entries()).
import type { ClientEvent } from '../core/events.ts';
import { nameSkeleton } from '../../src/names.ts';

export type TrustMark = 'verified' | 'known' | 'stranger';

/** The list's mark before a name: ✔ verified, • known, ! looks like a contact, blank otherwise. */
export const TRUST_MARKS = { verified: '✔', known: '•', lookalike: '!', stranger: ' ' } as const;

/** The line a `verified` or `whois` answer shows (`clean` strips what came from peers). */
export function trustNote(ev: Extract<ClientEvent, { event: 'verified' | 'whois' }>, clean: (s: string) => string): string {
  if (ev.event === 'verified') return `✔ verified ${clean(ev.peer)} (${ev.peerId.slice(0, 6)}), key ${clean(ev.fingerprint)}`;
  const who = `${clean(ev.peer)} (${clean(ev.peerId)})`;
  return !ev.known || ev.fingerprint === undefined
    ? `${who}: no key known yet (connect first)`
    : `${who}: key ${clean(ev.fingerprint)}, ${ev.verified ? '✔ verified' : '• known, not verified: compare it out of band, then /verify'}`;
}

export class Contacts {
  private readonly known = new Set<string>();
  private readonly verified = new Set<string>();
  /** id → the id of the contact its name looks like. */
  private readonly lookalikes = new Map<string, string>();
  private readonly skeletons = new Map<string, string>();

  /** Takes what an event says about trust; returns nothing (the model writes the lines). */
  apply(ev: ClientEvent): void {
    switch (ev.event) {
      case 'peers':
        for (const p of ev.peers) {
          if (p.known) this.known.add(p.id);
          if (p.verified) this.verified.add(p.id);
          if (p.lookalike) this.lookalikes.set(p.id, p.lookalike);
        }
        break;
      case 'connected':
        this.known.add(ev.peerId); // a completed handshake pinned its key
        break;
      case 'verified':
        this.known.add(ev.peerId);
        this.verified.add(ev.peerId);
        break;
      case 'whois':
        if (ev.known) this.known.add(ev.peerId);
        if (ev.verified) this.verified.add(ev.peerId);
        break;
      case 'lookalike':
        this.known.add(ev.peerId);
        this.lookalikes.set(ev.peerId, ev.likeId);
        break;
    }
  }

  mark(id: string): TrustMark {
    return this.verified.has(id) ? 'verified' : this.known.has(id) ? 'known' : 'stranger';
  }

  lookalikeOf(id: string): string | undefined {
    return this.lookalikes.get(id);
  }

  /** The confusable skeleton of a name (cached): equal skeletons look alike. */
  skeleton(name: string): string {
    let s = this.skeletons.get(name);
    if (s === undefined) {
      if (this.skeletons.size > 4096) this.skeletons.clear();
      s = nameSkeleton(name);
      this.skeletons.set(name, s);
    }
    return s;
  }
}
