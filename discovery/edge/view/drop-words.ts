// Drop reasons in plain words, for people: the codes stay in stats() and the JSON (programs
// match on them); the views show these. Every reason a discovery server counts is here (a
// unit test collects them from the source); an unknown one is shown as its code.

const WORDS: Readonly<Record<string, string>> = {
  // Decoding (src/codec.ts): not natter, or not this version.
  empty: 'empty datagram',
  oversized: 'too large (over 1200 bytes)',
  malformed: 'not CBOR (garbage)',
  'not-a-map': 'not a natter message',
  'bad-version': 'another protocol version',
  'unknown-type': 'unknown message type',
  'bad-shape': 'malformed message (fields out of bounds)',
  'unexpected-type': 'a message servers never take (peer-to-peer or server-to-client)',
  'internal-error': 'server bug (one datagram lost)',
  // Load.
  'source-rate-limited': 'too many requests from one address',
  'transmit-queue-full': 'send queue full',
  'event-queue-full': 'event queue full (a view fell behind)',
  'reply-oversized': 'answer too large to send',
  'amplification-limit': 'answer larger than the request from an unproven address (1x rule)',
  'error-reply-rate-limited': 'too many error replies server-wide',
  // Registration.
  'register-bad-name': 'registration with an invalid name',
  'register-wrong-server': 'registration meant for another server (replay?)',
  'register-no-server-key': 'registration without our key (first contact)',
  'register-malformed': 'registration that cannot be checked',
  'register-id-mismatch': 'registration whose id is not its key’s',
  'register-bad-signature': 'forged registration (bad signature)',
  'register-stale': 'registration with a clock off by over a minute',
  'register-replayed': 'replayed registration',
  'register-rate-limited': 'too many registrations from one identity',
  'ip-identity-cap': 'too many identities from one IP address',
  'ip-registration-rate': 'too many new identities from one IP address a minute',
  'heartbeat-bad-token': 'heartbeat with a wrong or stolen token (moved or restarted?)',
  'heartbeat-not-registered': 'heartbeat from a client not registered here',
  'heartbeat-rate-limited': 'too many heartbeats from one client',
  'leave-unauthorized': 'leave without the client’s token (forged?)',
  'leave-not-registered': 'leave from a client not registered here',
  // Lists, introductions, relays.
  'request-not-listed': 'request from an address no client holds',
  'request-bad-token': 'request without the client’s token (spoofed address?)',
  'not-registered': 'request from a client not registered here',
  'connect-rate-limited': 'too many introductions asked by one client',
  'connect-unknown-peer': 'introduction to a peer not registered here',
  'connect-self': 'introduction to itself',
  'connect-target-rate-limited': 'too many introductions to one peer',
  'introduce-unlisted': 'introduction to a client no longer listed',
  'relay-not-registered': 'relay from a client not registered here',
  'relay-unknown-peer': 'relay to a peer not registered here',
  'relay-not-consented': 'relay to a peer that did not ask for it',
  'relay-rate-limited': 'too many relayed datagrams from one client',
  'relay-target-rate-limited': 'too many relayed datagrams to one peer',
  // Path reports and status requests.
  'report-not-listed': 'path report from an address no client holds',
  'report-bad-token': 'path report without the client’s token (forged?)',
  'report-self-claim': 'path report naming the client itself',
  'report-duplicate-peer': 'path report naming one peer twice',
  'report-bad-claim': 'path report with an inconsistent claim',
  'report-rate-limited': 'too many path reports from one client',
  'status-rate-limited': 'too many status requests server-wide',
  'status-request-too-small': 'status request not padded (would amplify)',
  // What the operator's status probe refuses.
  'status-unknown-source': 'status answer from a server not watched',
  'status-unexpected-type': 'not a status answer',
  'status-unknown-nonce': 'status answer to no request of ours (replayed?)',
  'status-wrong-key': 'status answer signed by another key (forged?)',
  'status-bad-signature': 'forged or corrupted status answer (bad signature)',
};

/** The reason in plain words; an unknown code as itself. */
export function dropWords(reason: string): string {
  return Object.hasOwn(WORDS, reason) ? (WORDS[reason] as string) : reason;
}

/** Every reason with words (for the test that each counted reason has them). */
export const KNOWN_DROP_REASONS: readonly string[] = Object.keys(WORDS);
