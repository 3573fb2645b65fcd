// Introductions and punching: asking the servers to introduce us to a peer (again every
// INTRODUCTION_RETRY_MS while the attempt is connecting), taking the Introduce that answers
// (candidates to probe, the server as a relay), building our Punch probes and answering
// the peer's Punch with a PunchAck. It changes conversations' candidates and returns what
// the facade must do next; it never emits events or touches the socket itself.
//
// First contact (no session yet) is plain ICE-lite punching, bounded: candidates must be IP
// literals (LAN ones in LAN ranges), unsolicited introductions are admitted like inbound
// Punches, and every probe comes out of a per-address budget (probe-budget.ts). Once a
// session exists, none of these plaintext messages changes it: see conversation.ts.

import { isLanCandidate, isProbeableAddress } from '../../src/candidates.ts';
import { encode } from '../../src/codec.ts';
import { INTRODUCTION_RETRY_MS } from '../../src/constants.ts';
import { Fifo } from '../../src/fifo.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import type { Conversation } from './conversation.ts';
import type { ConversationTable } from './conversation-table.ts';
import type { DiscoveryClient } from './discovery-client.ts';
import { ProbeBudget } from './probe-budget.ts';
import type { Path } from './punch.ts';

export type IntroductionOutput =
  /** A datagram for the peer of `conv` on `path`. */
  | { kind: 'send'; conv: Conversation; path: Path; msg: Message }
  /** `conv` changed: move its probes, outputs and frames. */
  | { kind: 'pump'; conv: Conversation }
  /** A /connect host:port dial reached a peer we already talk to: tell `connected` again. */
  | { kind: 'announce'; conv: Conversation }
  | { kind: 'drop'; reason: string };

export class Introductions {
  private readonly out = new Fifo<IntroductionOutput>();
  /** When to ask the servers again for an introduction, per conversation still connecting. */
  private readonly askAgainAt = new Map<Conversation, number>();
  private readonly probes = new ProbeBudget();
  /** Our name as Punch and PunchAck carry it (the facade updates it on /nick). */
  name: string;

  constructor(
    private readonly id: string,
    name: string,
    private readonly table: ConversationTable,
    private readonly discovery: DiscoveryClient,
  ) {
    this.name = name;
  }

  pollOutput(): IntroductionOutput | undefined {
    return this.out.shift();
  }

  /** Asks the servers that list the peer (all reachable ones if none does) to introduce us. */
  ask(conv: Conversation, now: number): void {
    if (!conv.peerId || conv.state === 'closed') return;
    const knowing = this.discovery.serversKnowing(conv.peerId, now);
    const msg: Message = { t: MsgType.Connect, target: conv.peerId };
    if (knowing.length) for (const s of knowing) this.discovery.sendTo(s.addr, msg);
    else this.discovery.broadcast(msg, now);
    for (const s of knowing) conv.punch.addRelay(s.addr);
    if (conv.state === 'connecting') this.askAgainAt.set(conv, now + INTRODUCTION_RETRY_MS);
    else this.askAgainAt.delete(conv);
  }

  /** The conversation is open: no more asking. */
  stopAsking(conv: Conversation): void {
    this.askAgainAt.delete(conv);
  }

  /** A server introduces a peer (we asked, or the peer did): punch now, from our side too. */
  introduced(msg: MessageOf<typeof MsgType.Introduce>, server: Endpoint, now: number): void {
    const { id, name } = msg.peer;
    if (id === this.id) return;
    // One we did not ask for (the peer did) is an inbound attempt: the same rate and cap.
    const conv = this.table.openWith(id) ?? this.table.openInbound(id, name, now);
    if (!conv) return this.drop('introduction-limited');
    if (!conv.hasSession) conv.peerName = name;
    if (conv.state === 'connecting') this.askAgainAt.delete(conv);
    for (const c of msg.candidates) {
      // Only addresses, and self-reported LAN ones only in LAN ranges: never a reflector.
      if (isProbeableAddress(c.addr) && (c.kind !== 'lan' || isLanCandidate(c.addr))) conv.punch.addDirect(c.kind, c.addr);
      else this.drop('candidate-refused');
    }
    conv.punch.addRelay(server);
    // The peer asked the server because its path is new or broken: probe at once.
    conv.punch.restart(now, conv.state === 'connected');
    this.out.push({ kind: 'pump', conv });
  }

  /** The Punch probes due for `conv` now, addressed and named. */
  duePunches(conv: Conversation, now: number): { path: Path; msg: Message }[] {
    if (conv.peerId === undefined && conv.state !== 'connecting') return [];
    const probes: { path: Path; msg: Message }[] = [];
    for (const path of conv.duePunches(now)) {
      if (path.kind === 'relay' && !conv.peerId) continue; // a relay forwards by peer id
      if (path.kind === 'direct' && !this.probes.take(path.addr, now)) {
        this.drop('probe-budget');
        continue;
      }
      probes.push({ path, msg: { t: MsgType.Punch, from: this.id, to: conv.peerId, name: this.name, cid: conv.localCid } });
    }
    return probes;
  }

  receivePunch(m: MessageOf<typeof MsgType.Punch>, via: Path, relayedFrom: string | undefined, now: number): void {
    if ((m.to !== undefined && m.to !== this.id) || m.from === this.id) return this.drop('punch-not-for-us');
    if (relayedFrom !== undefined && relayedFrom !== m.from) return this.drop('relay-id-mismatch');
    const live = this.table.openWith(m.from);
    if (live?.hasSession && live.remoteCid === m.cid) return this.punchedLive(live, m, via, now);
    // A session is never closed or renamed by a Punch: another cid opens a separate attempt,
    // which replaces the session only if its handshake proves the same key (a real restart).
    let conv = this.table.replacementFor(m.from, m.cid);
    if (!conv && live?.hasSession) {
      conv = this.table.openReplacement(m.from, live.peerName, now);
      if (!conv) return this.drop('replacement-limited');
    }
    if (!conv) conv = live ?? this.table.openInbound(m.from, m.name, now);
    if (!conv) return this.drop('inbound-attempt-limited');
    // Once a path is confirmed and the handshake runs, this attempt's peer cid is settled: a
    // Punch under another cid (a stale conversation of the peer's, or a forgery) is not ours.
    if (conv.link.handshaking && conv.remoteCid !== undefined && conv.remoteCid !== m.cid) return this.drop('punch-cid-mid-handshake');
    if (!this.table.isReplacement(conv)) conv.peerName = m.name;
    conv.remoteCid = m.cid;
    // Answer where the probe came from (peer-reflexive): that is what lets a peer behind a
    // symmetric NAT reach us. Probe back there too, so our own mapping opens toward it.
    const ack: Message = { t: MsgType.PunchAck, from: this.id, to: m.from, name: this.name, cid: conv.localCid, echo: m.cid };
    this.out.push({ kind: 'send', conv, path: via, msg: ack });
    if (via.kind === 'direct') conv.punch.addDirect('peer-reflexive', via.addr);
    this.out.push({ kind: 'pump', conv });
  }

  receivePunchAck(m: MessageOf<typeof MsgType.PunchAck>, via: Path, relayedFrom: string | undefined, now: number): void {
    const conv = this.table.withCid(m.echo);
    if (!conv || conv.state === 'closed' || m.to !== this.id) return this.drop('stale-punch-ack');
    if (relayedFrom !== undefined && relayedFrom !== m.from) return this.drop('relay-id-mismatch');
    if (conv.peerId === undefined) {
      // A /connect host:port dial learns who answered.
      const other = this.table.openWith(m.from);
      if (other && other !== conv) {
        this.table.forget(conv);
        if (other.state === 'connected' && other.path) this.out.push({ kind: 'announce', conv: other });
        return;
      }
      this.table.bindPeer(conv, m.from);
    } else if (conv.peerId !== m.from) {
      return this.drop('punch-ack-wrong-peer');
    }
    if (!conv.hasSession && !this.table.isReplacement(conv)) conv.peerName = m.name;
    conv.confirmPath(via, m.cid, now, encode(m).length);
    this.out.push({ kind: 'pump', conv });
  }

  /**
   * A Punch for the session we have (the peer re-punches a stale path, or probes to upgrade
   * from a relay). Answered; if it came from elsewhere, the answer is within the budget of
   * that address and the address gets a sealed path check. Nothing else changes.
   */
  private punchedLive(conv: Conversation, m: MessageOf<typeof MsgType.Punch>, via: Path, now: number): void {
    const ack: Message = { t: MsgType.PunchAck, from: this.id, to: m.from, name: this.name, cid: conv.localCid, echo: m.cid };
    conv.heardFrom(via, encode(m).length);
    if (conv.maySend(via, encode(ack).length)) this.out.push({ kind: 'send', conv, path: via, msg: ack });
    else this.drop('path-budget');
    conv.checkPath(via, now);
    this.out.push({ kind: 'pump', conv });
  }

  /** Asks again for every attempt whose introduction has not come. */
  handleTimeout(now: number): void {
    for (const [conv, at] of this.askAgainAt) {
      if (conv.state !== 'connecting' || !this.table.holds(conv)) this.askAgainAt.delete(conv);
      else if (now >= at) this.ask(conv, now);
    }
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const at of this.askAgainAt.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  private drop(reason: string): void {
    this.out.push({ kind: 'drop', reason });
  }
}
