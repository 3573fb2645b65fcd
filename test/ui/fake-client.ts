// Dev-only: a scripted ChatClientApi for driving the UI without the real client core.
// Peers appear, connecting succeeds after 300 ms, every send is queued at once, messages to a
// connected peer are marked delivered after 200 ms and echoed back; to an offline contact
// they stay queued. Two offline contacts have a long history (fake-history.ts) answered by
// history/search/contacts/read. Env FAKE_INJECT=1 makes "mallory" send escape sequences;
// FAKE_PEERS=N lists N peers p01…pN instead of the four; FAKE_CHATTY=MS makes carol (with
// 60 messages of history) write "tick N" every MS ms; `/connect localhost:P` resolves to
// 127.0.0.1:P (a `connecting` event, then `connected` with the resolved address).
import type { ChatClientApi, ClientCommand, ClientEvent } from '../../client/core/events.ts';
import { FakeHistory } from './fake-history.ts';

export interface FakePeer { id: string; name: string }

const CAROL: FakePeer = { id: 'ca7ca7ca7ca7bbbb', name: 'carol 日本' };
const MANY = Number(process.env.FAKE_PEERS) || 0;

export const FAKE_PEERS: FakePeer[] = MANY > 0
  ? Array.from({ length: MANY }, (_, i) => ({ id: `9e9e9e9e${String(i + 1).padStart(8, '0')}`, name: `p${String(i + 1).padStart(2, '0')}` }))
  : [
    { id: 'b0b0b0b0b0b0aaaa', name: 'bob' },
    CAROL,
    { id: 'b0b1b1b1b1b1cccc', name: 'bob' },
    { id: 'badbadbadbad0ddd', name: 'mallory' },
  ];

/** Offline contacts with history: dave's first message and one in erin's first page are distinctive. */
export const DAVE = { id: 'da7eda7eda7e0eee', name: 'dave' };
export const ERIN = { id: 'e1e1e1e1e1e1ffff', name: 'erin' };
export const HISTORY_LENGTH = 450;
export const DAVE_FIRST = 'the very first message: aardvark';
export const ERIN_OLD = 'zebra crossing at noon';
export const DAVE_QUEUED = 'see you soon';

export const INJECTION = 'hi \x1b[2J\x1b]0;pwned\x07{red-fg}x\u202eevil\x9b2J';

export class FakeClient implements ChatClientApi {
  readonly commands: ClientCommand[] = [];
  private listeners: ((ev: ClientEvent) => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private connected = new Set<string>();
  readonly history: FakeHistory;

  constructor(private readonly self = { id: 'a11ce0a11ce0ffff', name: 'alice' }) {
    this.history = new FakeHistory(self);
    this.history.seed(DAVE, HISTORY_LENGTH, { 0: DAVE_FIRST }, 2, [DAVE_QUEUED]);
    this.history.seed(ERIN, HISTORY_LENGTH, { 2: ERIN_OLD }, 0);
    this.later(50, () => {
      this.emit({ event: 'ready', id: self.id, name: self.name, observed: '203.0.113.7:40001', nat: 'cone', fingerprint: 'f1f2f3f4' });
      this.emit({ event: 'status', servers: 3, serversTotal: 3, observed: '203.0.113.7:40001', nat: 'cone', name: self.name, id: self.id, fingerprint: 'f1f2f3f4' });
    });
    this.later(400, () => this.emit({ event: 'peers', peers: [{ ...self }, ...FAKE_PEERS] }));
    const chatty = Number(process.env.FAKE_CHATTY) || 0;
    if (chatty > 0) {
      this.history.seed(CAROL, 60, {}, 0);
      let n = 0;
      const tick = (): void => this.later(chatty, () => {
        this.message(CAROL, `tick ${++n}`);
        tick();
      });
      this.later(600, tick);
    }
  }

  onEvent(listener: (ev: ClientEvent) => void): void {
    this.listeners.push(listener);
  }

  command(cmd: ClientCommand): void {
    this.commands.push(cmd);
    if (cmd.cmd === 'connect') {
      const peer = 'peer' in cmd ? FAKE_PEERS.find((p) => p.id === cmd.peer) : FAKE_PEERS[0];
      if (!peer) return this.emit({ event: 'connect_failed', peer: '', peerId: '', code: 'UNKNOWN_PEER', message: 'no such peer', reason: 'no such peer' });
      const typed = 'addr' in cmd ? cmd.addr : undefined;
      // As the real client: the typed host is resolved first and said in `connecting`.
      const addr = typed === undefined ? '198.51.100.9:5000' : typed.replace(/^localhost:/, '127.0.0.1:');
      if (typed !== undefined) this.emit({ event: 'connecting', addr, query: typed } as unknown as ClientEvent);
      this.later(300, () => {
        this.connected.add(peer.id);
        this.emit({ event: 'connected', peer: peer.name, peerId: peer.id, via: 'direct', addr });
        if (peer.name === 'mallory' && process.env.FAKE_INJECT === '1') {
          this.later(100, () => this.message(peer, INJECTION));
        }
      });
    } else if (cmd.cmd === 'send') {
      const peer = [...FAKE_PEERS, DAVE, ERIN].find((p) => p.id === cmd.peer);
      if (!peer) {
        return this.later(50, () => this.emit({ event: 'failed', to: '', toId: cmd.peer, ref: cmd.ref, msgId: '', code: 'MESSAGE_TIMEOUT', message: 'no such peer', reason: 'no such peer' }));
      }
      // Committed to the (in-memory) outbox first; delivered only while connected.
      const item = this.history.add(peer, false, cmd.text, 'queued', Date.now());
      this.later(20, () => this.emit({ event: 'queued', to: peer.name, toId: peer.id, ref: cmd.ref, msgId: item.msgId, seq: item.seq }));
      if (!this.connected.has(peer.id)) return;
      this.later(200, () => {
        this.history.setState(item.msgId, 'delivered');
        this.emit({ event: 'delivered', to: peer.name, toId: peer.id, ref: cmd.ref, msgId: item.msgId, seq: item.seq });
      });
      this.later(300, () => this.message(peer, `echo: ${cmd.text}`));
      // The other bob talks too, so unread counts show up in the list.
      const other = FAKE_PEERS[2];
      if (other && peer.id !== other.id) this.later(350, () => this.message(other, `psst from the other bob`));
    } else if (cmd.cmd === 'contacts') {
      const online = new Set(FAKE_PEERS.map((p) => p.id));
      this.later(10, () => this.emit({ event: 'contacts', contacts: this.history.contacts((id) => online.has(id)) }));
    } else if (cmd.cmd === 'history') {
      const id = this.history.resolve(cmd.peer) ?? cmd.peer;
      const name = [...FAKE_PEERS, DAVE, ERIN].find((p) => p.id === id)?.name ?? '';
      const messages = this.history.page(id, cmd.limit, cmd.before);
      this.later(10, () => this.emit({ event: 'history', peer: name, peerId: id, messages }));
    } else if (cmd.cmd === 'search') {
      const results = this.history.search(cmd.text, cmd.limit);
      this.later(10, () => this.emit({ event: 'search', text: cmd.text, results }));
    } else if (cmd.cmd === 'read') {
      const id = this.history.resolve(cmd.peer);
      if (id !== undefined) this.history.read(id);
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
    const item = this.history.add(peer, true, text, 'received', Date.now());
    this.emit({ event: 'message', from: peer.name, fromId: peer.id, msgId: item.msgId, seq: item.seq, text, sentAt: item.sentAt });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
