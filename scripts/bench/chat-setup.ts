// Shared set-up for the chat figures: a discovery server child and two ChatClient children
// (A and B, one client each), B connected to A over loopback.

import type { Endpoint } from '../../src/wire.ts';
import { BenchChild, killAll } from './child.ts';

export interface ChatPair {
  server: BenchChild;
  a: BenchChild;
  b: BenchChild;
  serverAddr: Endpoint;
  aId: string;
  bId: string;
  close(): Promise<void>;
}

/** Polls the peer list fast so set-up takes milliseconds, not the default 2 s. */
export const FAST_LIST_ENV = { NATTER_PEER_LIST_POLL_MS: '100' };

export async function startServer(env: Record<string, string> = {}): Promise<{ server: BenchChild; addr: Endpoint }> {
  const server = BenchChild.spawn('discovery server', 'server-child.ts', [], { nodeFlags: ['--expose-gc'], env });
  try {
    const port = await server.call<number>('start');
    return { server, addr: ['127.0.0.1', port] };
  } catch (err) {
    await server.kill();
    throw err;
  }
}

export async function startChatPair(): Promise<ChatPair> {
  const children: BenchChild[] = [];
  try {
    const { server, addr } = await startServer();
    children.push(server);
    const a = BenchChild.spawn('chat A', 'chat-peer.ts', [], { env: FAST_LIST_ENV });
    const b = BenchChild.spawn('chat B', 'chat-peer.ts', [], { env: FAST_LIST_ENV });
    children.push(a, b);
    const [ra, rb] = await Promise.all([a.call<{ id: string }>('start', { servers: [addr], name: 'alice' }), b.call<{ id: string }>('start', { servers: [addr], name: 'bob' })]);
    await b.call('waitPeer', { idx: 0, peer: ra.id });
    await b.call('connect', { idx: 0, peer: ra.id });
    return { server, a, b, serverAddr: addr, aId: ra.id, bId: rb.id, close: () => killAll(children) };
  } catch (err) {
    await killAll(children);
    throw err;
  }
}
