// Host names to addresses, at the edge: `/connect HOST:PORT`, `--servers` and NATTER_SERVERS
// accept names as well as IPv4 literals. natter speaks IPv4 only for now, so a name is
// resolved to its A record; a name with only AAAA records is refused with that said plainly,
// as is an IPv6 literal. Every failure is a NatterError BAD_ADDRESS with a message a person
// can act on, raised before anything is sent.

import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { NatterError } from '../errors.ts';
import type { Endpoint } from '../wire.ts';

/** "host:port" or "[v6]:port" split, the port checked; the host as written. */
export function splitHostPort(text: string): { host: string; port: number } {
  const t = text.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^([^:]+):(\d+)$/.exec(t);
  if (!match) throw new NatterError('BAD_ADDRESS', `"${text}" is not host:port (for example 127.0.0.1:8000 or example.org:8000)`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NatterError('BAD_ADDRESS', `port ${match[2]} is out of range 1-65535`);
  return { host: match[1] as string, port };
}

const IPV6_NOT_YET = 'IPv6 is not supported yet';

/** Resolves "host:port" to an IPv4 endpoint. Throws NatterError BAD_ADDRESS. */
export async function resolveEndpoint(text: string): Promise<Endpoint> {
  const { host, port } = splitHostPort(text);
  if (isIPv4(host)) return [host, port];
  if (isIPv6(host)) throw new NatterError('BAD_ADDRESS', `${host} is an IPv6 address; ${IPV6_NOT_YET}`);
  if (host === 'localhost') return ['127.0.0.1', port];
  try {
    const { address } = await lookup(host, { family: 4 });
    return [address, port];
  } catch {
    // No A record: say why if it has an AAAA one, else that the name does not resolve.
    const v6 = await lookup(host, { family: 6 }).then(
      () => true,
      () => false,
    );
    if (v6) throw new NatterError('BAD_ADDRESS', `${host} has only an IPv6 address (AAAA); ${IPV6_NOT_YET}`);
    throw new NatterError('BAD_ADDRESS', `${host}: no such host (it does not resolve to an IPv4 address)`);
  }
}
