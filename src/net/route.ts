// The client's own LAN candidate: the local address of its route toward a server, found
// by connect()ing a throwaway UDP socket (no packet is sent). Not every interface: a
// client whose servers are on loopback offers only loopback.

import dgram from 'node:dgram';
import type { Endpoint } from '../wire.ts';

export function localAddressToward([host, port]: Endpoint): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (addr: string | undefined) => {
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(addr);
    };
    sock.on('error', () => done(undefined));
    sock.connect(port, host, () => {
      try {
        done(sock.address().address);
      } catch {
        done(undefined);
      }
    });
  });
}
