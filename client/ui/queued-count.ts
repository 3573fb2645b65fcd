// How many of our messages are not yet on their recipients' disks: the `contacts` answer
// counts those queued in earlier runs; `queued`, `delivered` and `failed` events move it.
// /quit says this number, so a person knows what will go when they are back.
import type { ClientEvent, ContactEntry } from '../core/events.ts';

export class QueuedCount {
  private perPeer = new Map<string, number>();
  private readonly queuedIds = new Set<string>();
  private readonly doneIds = new Set<string>();

  fromContacts(contacts: readonly ContactEntry[]): void {
    this.perPeer = new Map(contacts.filter((c) => c.queued > 0).map((c) => [c.id, c.queued]));
  }

  apply(ev: ClientEvent): void {
    if (ev.event === 'queued' && ev.msgId && !this.queuedIds.has(ev.msgId)) {
      this.queuedIds.add(ev.msgId);
      this.add(ev.toId, 1);
    }
    // Queued in this run or an earlier one; a send refused before the outbox (no seq) never was.
    if ((ev.event === 'delivered' || (ev.event === 'failed' && ev.seq !== undefined)) && ev.msgId && !this.doneIds.has(ev.msgId)) {
      this.doneIds.add(ev.msgId);
      this.add(ev.toId, -1);
    }
  }

  total(): number {
    let total = 0;
    for (const n of this.perPeer.values()) total += n;
    return total;
  }

  private add(peerId: string, n: number): void {
    this.perPeer.set(peerId, Math.max(0, (this.perPeer.get(peerId) ?? 0) + n));
  }
}
