// Datagrams with a forged source address, for tests that play an off-path attacker. Node has
// no raw sockets, so a short python3 script builds the IPv4 and UDP headers itself and sends
// through a raw socket (IPPROTO_RAW implies IP_HDRINCL). Needs root (CAP_NET_RAW); tests
// check `canSpoof()` and say clearly when they skip. Only loopback or addresses inside the
// test's own namespaces are ever targets.

import { spawnSync } from 'node:child_process';
import type { Endpoint } from '../../src/wire.ts';

const SCRIPT = `
import socket, struct, sys
src, sport, dst, dport, hexdata = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
datas = [bytes.fromhex(h) for h in hexdata.split(',') if h]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for data in datas:
    udp = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data  # checksum 0: none (IPv4 allows it)
    total = 20 + len(udp)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, 0, 0x4000, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
print('ok')
`;

let checked: boolean | undefined;

/** True when this process may send spoofed datagrams (root, python3 present, raw sockets allowed). */
export function canSpoof(): boolean {
  if (checked !== undefined) return checked;
  if (process.getuid?.() !== 0) return (checked = false);
  const r = spawnSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW); print("ok")'], { encoding: 'utf8', timeout: 10_000 });
  return (checked = r.status === 0 && r.stdout.trim() === 'ok');
}

/** Sends each datagram to `to` as if it came from `from` (IPv4 only). Throws if it could not. */
export function sendSpoofed(from: Endpoint, to: Endpoint, datagrams: Uint8Array[]): void {
  const hex = datagrams.map((d) => Buffer.from(d).toString('hex')).join(',');
  const r = spawnSync('python3', ['-c', SCRIPT, from[0], String(from[1]), to[0], String(to[1]), hex], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || r.stdout.trim() !== 'ok') throw new Error(`spoofed send failed: ${r.stderr || r.stdout}`);
}
