// Dev-only: a scripted ChatClientApi for driving the UI without the real client core.
// Peers appear, connecting succeeds after 300 ms, messages are echoed back by the "peer"
// and marked delivered after 200 ms. Env FAKE_INJECT=1 makes "mallory" send escape sequences.
import type { ChatClientApi, ClientCommand, ClientEvent } from '../../client/core/events.ts';

export interface FakePeer { id: string; name: string }

export const FAKE_PEERS: FakePeer[] = [
  { id: 'b0b0b0b0b0b0aaaa', name: 'bob' },
  { id: 'ca7ca7ca7ca7bbbb', name: 'carol 日本' },
  { id: 'b0b1b1b1b1b1cccc', name: 'bob' },
  { id: 'badbadbadbad0ddd', name: 'mallory' },
];

export const INJECTION = 'hi \x1b[2J\x1b]0;pwned\x07{red-fg}x\u202eevil\x9b2J';

export class FakeClient implements ChatClientApi {
  readonly commands: ClientCommand[] = [];
  private listeners: ((ev: ClientEvent) => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private connected = new Set<string>();

  constructor(private readonly self = { id: 'a11ce0a11ce0ffff', name: 'alice' }) {
    this.later(50, () => {
      this.emit({ event: 'ready', id: self.id, name: self.name, observed: '203.0.113.7:40001', nat: 'cone', fingerprint: 'f1f2f3f4' });
      this.emit({ event: 'status', servers: 3, serversTotal: 3, observed: '203.0.113.7:40001', nat: 'cone', name: self.name, id: self.id, fingerprint: 'f1f2f3f4' });
    });
    this.later(400, () => this.emit({ event: 'peers', peers: [{ ...self }, ...FAKE_PEERS] }));
  }

  onEvent(listener: (ev: ClientEvent) => void): void {
    this.listeners.push(listener);
  }

  command(cmd: ClientCommand): void {
    this.commands.push(cmd);
    if (cmd.cmd === 'connect') {
      const peer = 'peer' in cmd ? FAKE_PEERS.find((p) => p.id === cmd.peer) : FAKE_PEERS[0];
      if (!peer) return this.emit({ event: 'connect_failed', peer: '', peerId: '', code: 'UNKNOWN_PEER', message: 'no such peer', reason: 'no such peer' });
      const addr = 'addr' in cmd ? cmd.addr : '198.51.100.9:5000';
      this.later(300, () => {
        this.connected.add(peer.id);
        this.emit({ event: 'connected', peer: peer.name, peerId: peer.id, via: 'direct', addr });
        if (peer.name === 'mallory' && process.env.FAKE_INJECT === '1') {
          this.later(100, () => this.message(peer, INJECTION));
        }
      });
    } else if (cmd.cmd === 'send') {
      const peer = FAKE_PEERS.find((p) => p.id === cmd.peer);
      if (!peer || !this.connected.has(peer.id)) {
        return this.later(50, () => this.emit({ event: 'failed', to: peer?.name ?? '', toId: cmd.peer, ref: cmd.ref, msgId: '', code: 'MESSAGE_TIMEOUT', message: 'not connected', reason: 'not connected' }));
      }
      this.later(200, () => this.emit({ event: 'delivered', to: peer.name, toId: peer.id, ref: cmd.ref, msgId: '', seq: 0 }));
      this.later(300, () => this.message(peer, `echo: ${cmd.text}`));
      // The other bob talks too, so unread counts show up in the list.
      const other = FAKE_PEERS[2];
      if (other && peer.id !== other.id) this.later(350, () => this.message(other, `psst from the other bob`));
    } else if (cmd.cmd === 'nick') {
      this.self.name = cmd.name;
      this.emit({ event: 'status', servers: 3, serversTotal: 3, observed: '203.0.113.7:40001', nat: 'cone', name: cmd.name, id: this.self.id, fingerprint: 'f1f2f3f4' });
    }
  }

  async shutdown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise((r) => setTimeout(r, 50));
  }

  emit(ev: ClientEvent): void {
    for (const l of this.listeners) l(ev);
  }

  private message(peer: FakePeer, text: string): void {
    this.emit({ event: 'message', from: peer.name, fromId: peer.id, msgId: `m${Date.now()}`, seq: 0, text, sentAt: Date.now() });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
