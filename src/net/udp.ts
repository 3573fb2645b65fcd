// Real UDP through dgram-as-promised. Datagrams are received from the wrapped socket's
// 'message' event: its recv()/iterator keep no queue and lose datagrams under load.

import { DgramAsPromised } from 'dgram-as-promised';
import type { SocketAsPromised } from 'dgram-as-promised';
import { NatterError } from '../errors.ts';
import type { Endpoint } from '../wire.ts';
import type { Transport } from './transport.ts';

export class UdpTransport implements Transport {
  /** Send errors (e.g. EHOSTUNREACH, ENETUNREACH when a route is gone) are counted, not thrown. */
  sendErrors = 0;
  private closed = false;

  private constructor(private readonly sock: SocketAsPromised) {
    // A UDP socket can emit 'error' for ICMP-reported failures on some platforms; never crash on it.
    sock.socket.on('error', () => {
      this.sendErrors++;
    });
  }

  static async bind(port = 0, host = '0.0.0.0'): Promise<UdpTransport> {
    const sock = DgramAsPromised.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    try {
      await sock.bind(port, host);
    } catch (err) {
      throw new NatterError('BIND_FAILED', `cannot bind UDP ${host}:${port}: ${(err as Error).message}`);
    }
    // Generous socket buffers: bursts of acks and retransmissions must not be dropped by the kernel.
    try {
      sock.setRecvBufferSize(4 * 1024 * 1024);
      sock.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      /* best effort: the kernel may cap it */
    }
    return new UdpTransport(sock);
  }

  send(bytes: Uint8Array, [host, port]: Endpoint): void {
    if (this.closed) return;
    // No callback: a per-datagram closure costs more than the send's bookkeeping is worth;
    // send errors surface as the socket's 'error' event, which is counted above.
    this.sock.socket.send(bytes, port, host);
  }

  onDatagram(handler: (bytes: Buffer, from: Endpoint) => void): void {
    this.sock.socket.on('message', (msg, rinfo) => handler(msg, [rinfo.address, rinfo.port]));
  }

  localEndpoint(): Endpoint {
    const { address, port } = this.sock.address();
    return [address, port];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sock.close().catch(() => undefined);
  }
}
