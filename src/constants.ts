// Every protocol timer and limit, in one place, with its unit in its name and the reason
// for its value. The timers the NAT lab needs in seconds rather than minutes are defaults of
// the Timings option (src/timings.ts); the edge reads NATTER_<NAME> overrides once and
// passes them in (src/net/env-timings.ts).

// ---- wire ----
/** Bumped on any incompatible change; datagrams of another version are dropped and counted. */
export const PROTOCOL_VERSION = 2; // 2: registrations name the server; signed Registered and Introduce; path checks
/** QUIC's safe datagram size on any path (RFC 9000 §14): no IP fragmentation, ever. */
export const MAX_DATAGRAM_BYTES = 1200;
/** Names are for people; short enough for a peer list line and a status bar. */
export const MAX_NAME_LENGTH = 32;
/** Peer ids are lowercase hex; 64 chars holds a SHA-256 of a public key. */
export const MAX_ID_LENGTH = 64;
/** A client reports at most this many LAN candidates. */
export const MAX_LAN_CANDIDATES = 4;
/** Longest chat message a person may send (split into datagram-sized fragments). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

// ---- discovery ----
/** Clients re-register this often; also keeps the NAT mapping to each server open (≤ 15 s, RFC 8445). */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A registry entry lives this long after its last heartbeat: three missed heartbeats and a half. */
export const REGISTRY_ENTRY_TTL_MS = 35_000;
/** A server that has not answered for this long is counted unreachable in the status line. */
export const SERVER_SILENT_AFTER_MS = 25_000;
/** Re-send a register to a server that has not answered yet this often (fast start, fast failover). */
export const REGISTER_RETRY_MS = 1_000;
/** How often a client asks each server for changes to the peer list (cheap: "unchanged" is tiny). */
export const PEER_LIST_POLL_MS = 2_000;
/** Entries a client keeps from one server's list: a server cannot make a client hold more. */
export const MAX_PEERS_PER_SERVER = 10_000;
/** Pages one peer-list walk asks for (64 a page: room for MAX_PEERS_PER_SERVER); walks start every PEER_LIST_POLL_MS at most. */
export const MAX_PAGES_PER_WALK = 200;
/** `ready` waits at most this long for every configured server to answer. */
export const READY_WAIT_MS = 2_000;
/** The discovery server prints a count of online clients this often. */
export const SERVER_STATS_INTERVAL_MS = 30_000;

// ---- punching ----
/**
 * Probe times after the introduction arrives: a burst first (libp2p sees 97.6% of
 * successes on the first try), then pacing that backs off to one probe a second.
 */
export const PUNCH_SCHEDULE_MS: readonly number[] = [0, 50, 100, 200, 400, 700, 1_000, 1_500, 2_000];
/** After the schedule above, keep probing this often until the attempt ends. */
export const PUNCH_STEADY_INTERVAL_MS = 1_000;
/** Give up on a direct path (and fall back or fail) after this long. */
export const PUNCH_TIMEOUT_MS = 10_000;
/** Start probing through a relay (a discovery server both peers use) when no direct pair answered this soon. */
export const RELAY_FALLBACK_AFTER_MS = 2_500;
/** While relayed, keep trying to upgrade to a direct path this often. */
export const DIRECT_UPGRADE_INTERVAL_MS = 5_000;
/** If no introduction arrives this long after asking, re-ask the servers. */
export const INTRODUCTION_RETRY_MS = 1_000;

// ---- reliability (RFC 6298) ----
/** RTO before the first RTT sample. */
export const INITIAL_RTO_MS = 500;
/** Lower clamp of the RTO: loopback RTTs are microseconds, timers are not. */
export const MIN_RTO_MS = 100;
/** Upper clamp of the RTO, also after doubling. */
export const MAX_RTO_MS = 5_000;
/** A message is marked failed only after this long without an ack: heavy loss delays, never fails. */
export const MESSAGE_GIVE_UP_MS = 60_000;
/** Fragments in flight per conversation; bounds memory and bursts. 1024 raised bulk throughput ~10% but made loss recovery 2-5x slower (bigger self-inflicted queues inflate the RTT every loss timer is based on). */
export const SEND_WINDOW_FRAGMENTS = 512;
/** Fragments the receiver buffers beyond the next expected one; farther ones are dropped (and resent). */
export const RECEIVE_WINDOW_FRAGMENTS = 1_024;
/** Selective-ack ranges per ack datagram. */
export const MAX_SACK_RANGES = 16;
/**
 * Lone in-order data is acked this long after it arrives. 0: on the next timer turn, which the
 * driver runs after the current I/O batch, so a burst still shares acks but a lone message's
 * ack is not held back (it was 5 ms, 50x a loopback RTT).
 */
export const ACK_DELAY_MS = 0;
/** Chat bytes per Data fragment: 1200 minus envelope, cid/seq fields and room for AEAD framing later. */
export const MAX_FRAGMENT_BODY_BYTES = 1_000;

// ---- liveness ----
/** An idle conversation sends a ping this often (≤ 15 s: keeps NAT mappings open, RFC 8445). */
export const KEEPALIVE_INTERVAL_MS = 10_000;
/** Waiting this long for any reply from a connected peer means the path may be broken (NAT
 * mapping flushed, peer roamed): ask the servers to introduce us again and re-punch. */
export const PATH_STALE_AFTER_MS = 4_000;
/** While waiting for a reply on an idle path, probe with a ping this often. */
export const PATH_PROBE_INTERVAL_MS = 1_000;
/** A peer silent this long is shown as lost. */
export const PEER_SILENT_TIMEOUT_MS = 30_000;

// ---- discovery server (appended by the discovery server) ----
/** Relayed datagrams each registered source may send per second: a chat, not a bulk tunnel. */
export const RELAY_RATE_PER_S = 200;
/** Relay burst allowance per source: lets a fragmented message or a window of retransmissions through. */
export const RELAY_BURST_DATAGRAMS = 400;
/** ServerError replies per second, server-wide: errors must never become an amplifier or a flood. */
export const SERVER_ERROR_RATE_PER_S = 100;
/** ServerError burst allowance, server-wide. */
export const SERVER_ERROR_BURST = 100;
/** A server engine keeps at most this many unpolled log events; older ones are counted and dropped. */
export const SERVER_EVENT_QUEUE_MAX = 10_000;
/** A server engine keeps at most this many unsent datagrams (the driver drains after every input). */
export const SERVER_TRANSMIT_QUEUE_MAX = 4_096;

// ---- crypto (src/crypto) ----
/** Transport keys move to the next generation after this many datagrams in one direction (well below ChaCha20-Poly1305 limits; WireGuard rekeys by time in practice). */
export const REKEY_AFTER_MESSAGES = 2 ** 20;
/** ...or after this long in one generation, like WireGuard's REKEY_AFTER_TIME (120 s): bounds what one leaked key decrypts. */
export const REKEY_AFTER_MS = 120_000;
/** A receiver keeps the previous generation's key this long after switching, for datagrams still in flight. */
export const PREVIOUS_GENERATION_TTL_MS = 15_000;
/** A receiver ratchets forward at most this many generations at once (generations whose datagrams were all lost). */
export const MAX_GENERATION_SKIP = 4;
/** Replay bitmap size (RFC 6479); WireGuard uses 8192. Usable window is this minus one 32-bit block. */
export const REPLAY_WINDOW_BITS = 8192;
/** Noise handshake messages are tiny (≤ ~200 bytes here); anything bigger is refused before parsing. */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 512;
/** A signed registration whose timestamp is farther than this from the server's clock is refused (replay bound). */
export const REGISTRATION_MAX_SKEW_MS = 60_000;

// ---- reliability, continued ----
/** A fragment is deemed lost once this many transmissions sent after it are acked (QUIC's kPacketThreshold, RFC 9002 §6.1.1). */
export const FAST_RETRANSMIT_THRESHOLD_FRAGMENTS = 3;
/** Floor of RACK's reorder window, max(9/8·RTT, this) (RFC 9002 §6.1.2 kGranularity): timers are no finer. */
export const RACK_MIN_REORDER_WINDOW_MS = 1;
/** Floor of the tail loss probe timeout, max(2·srtt + ACK_DELAY_MS, this) (RFC 8985 §7.2): far below MIN_RTO_MS. */
export const TLP_MIN_TIMEOUT_MS = 2;
/**
 * Tail probes in a row before only the RTO is left, each after twice the wait of the one
 * before (RFC 9002 §6.2.1). A probe rescues the tail only if it and its ack both get through
 * (half the time at 30% loss each way); three leave 1 in 8 tails to the 100 ms RTO floor.
 */
export const TLP_MAX_PROBES = 3;
/**
 * In-order data is acked at once every this many frames, else after ACK_DELAY_MS. TCP and
 * QUIC use 2 (RFC 1122, RFC 9000 §13.2.2), but here the delayed ack is not a timer: it runs
 * right after the current I/O round, so a lone message is acked just as fast; 8 only
 * thins acks during bursts (the QUIC ACK-frequency extension's idea), saving a quarter of
 * all datagrams at full speed.
 */
export const ACK_EVERY_FRAGMENTS = 8;
/** Connect requests each registered source may send per second: each one sends two Introduces, one to someone else. */
export const CONNECT_RATE_PER_S = 10;
/** Connect burst allowance per source: a person opening a few conversations at once. */
export const CONNECT_BURST = 20;

// ---- session security ----
/** First retransmission of an unanswered handshake message; doubles up to the max below. */
export const HANDSHAKE_RETRY_MS = 250;
export const HANDSHAKE_MAX_RETRY_MS = 2_000;
/** A handshake not complete this long after it started fails the attempt. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

// ---- hardened discovery (signed registrations, address tokens, per-source limits) ----
/** Ed25519 public key and signature sizes, as Register carries them (src/crypto/identity.ts). */
export const DISCOVERY_PUBLIC_KEY_BYTES = 32;
export const DISCOVERY_SIGNATURE_BYTES = 64;
/** Address token: a truncated HMAC-SHA256; 128 bits cannot be guessed by an off-path sender. */
export const DISCOVERY_TOKEN_BYTES = 16;
/** The MAC a server puts on what it sends a listed client (src/crypto/server-mac.ts). */
export const SERVER_MAC_BYTES = 16;
/** A client's MAC key sealed to its identity key (crypto_box_seal: 32 + 48 bytes). */
export const SEALED_MAC_KEY_BYTES = 80;
/**
 * A signed Register is padded to at least this: the answer that first reaches an unproven
 * address (Registered with signature and sealed MAC key, up to ~265 bytes) must not exceed it.
 */
export const REGISTER_MIN_BYTES = 300;
/** Room a PeerList page leaves for `ts` and `mac` (CBOR keys, a uint64 and 16 bytes, with slack). */
export const SERVER_MAC_OVERHEAD_BYTES = 40;
/** Tokens are bound to an epoch of this length; the current and the previous epoch verify, so a leaked token dies within two. */
export const DISCOVERY_TOKEN_EPOCH_MS = 600_000;
/** Requests of any kind each source endpoint may send per second (relays have their own limit): ~30 times a busy client. */
export const SOURCE_RATE_PER_S = 50;
/** Burst allowance per source endpoint: a start-up, a rename and a long peer-list walk at once. */
export const SOURCE_BURST = 100;
/** At most this many source endpoints are tracked (rate buckets, byte accounts); the least recently seen is forgotten first. */
export const MAX_TRACKED_SOURCES = 50_000;
/** Signed registrations per identity per second, after the signature checks (three servers, a rename, a NAT rebinding). */
export const REGISTER_RATE_PER_S = 1;
export const REGISTER_BURST = 10;
/** Heartbeats per identity per second (one every HEARTBEAT_INTERVAL_MS is normal). */
export const HEARTBEAT_RATE_PER_S = 2;
export const HEARTBEAT_BURST = 10;
/** At most this many identities keep rate buckets; the least recently used is forgotten first. */
export const MAX_TRACKED_IDENTITIES = 50_000;
/** Registrations waiting for their token to come back (address not yet proven): bounded, oldest dropped first. */
export const MAX_PENDING_REGISTRATIONS = 20_000;
/** A registration whose token did not come back this long after it is forgotten. */
export const PENDING_REGISTRATION_TTL_MS = 30_000;
/** Newest accepted registration timestamp per id, kept for the replay check while it is within the skew window. */
export const MAX_REPLAY_GUARD_ENTRIES = 100_000;
/** How often the server sweeps idle sources, stale pending registrations and old replay records. */
export const SERVER_SWEEP_INTERVAL_MS = 10_000;

// ---- server caps (per source IP, per target, relay consent) ----
/**
 * Identities listed at once from one source IP (an IPv6 /64 counts as one): a household or a
 * CGNAT shares an address, but one host must not flood the list (2,000 identities from one
 * host, 689 named "bob", made `connect bob` ambiguous for everyone). 0 (engine: Infinity): no cap.
 */
export const MAX_IDS_PER_IP = 64;
/** New listings per source IP per minute (a burst of all of them, refilled evenly): stops churning through the cap. */
export const MAX_REGISTRATIONS_PER_IP_PER_MIN = 120;
/** Introductions sent to one target per second, whoever asks: each makes the target punch (a requester's own limit is CONNECT_RATE_PER_S). */
export const INTRODUCTIONS_PER_TARGET_RATE_PER_S = 10;
/** Introduction burst per target: three servers, several people opening a conversation at once. */
export const INTRODUCTIONS_PER_TARGET_BURST = 20;
/** The relay forwards A -> B only if B asked for A (a Connect, or a Relay to A) this recently; A's asking is refreshed by every Relay. */
export const RELAY_CONSENT_MS = 60_000;
/** "A asked for B" records kept at once (oldest forgotten first): ~200 bytes each, bounded memory. */
export const MAX_RELAY_CONSENTS = 100_000;
/** Relayed datagrams one target may receive per second from all its consenting peers (two conversations at the per-sender rate). */
export const RELAY_TARGET_RATE_PER_S = 400;
export const RELAY_TARGET_BURST = 800;
/** Targets (of introductions or relayed datagrams) holding a bucket at once; a bucket that is full again is forgotten. */
export const MAX_TRACKED_TARGETS = 50_000;

// ---- client hardening ----
/** Conversations opened by someone else (an unsolicited Punch) that may be connecting at once. */
export const MAX_INBOUND_CONNECTING = 32;
/** New inbound attempts accepted per second (burst below): a punch flood cannot fill memory or make us reflect traffic. */
export const INBOUND_ATTEMPT_RATE_PER_S = 10;
export const INBOUND_ATTEMPT_BURST = 20;
/** Random bytes in a PathChallenge (QUIC uses 8; 16 leaves no room for guessing). */
export const PATH_CHALLENGE_BYTES = 16;
/** A path check unanswered this long is abandoned (the next sign of the address starts another). */
export const PATH_CHALLENGE_TIMEOUT_MS = 3_000;
/** Challenge sends per check: the first and retries PATH_CHALLENGE_RETRY_MS apart (lost datagrams). */
export const PATH_CHALLENGE_SENDS = 3;
export const PATH_CHALLENGE_RETRY_MS = 500;
/** Addresses a conversation checks at once: a flood of claimed addresses cannot grow its state. */
export const MAX_PATH_CHECKS = 4;
/** QUIC's anti-amplification factor: to an address not yet validated we send at most this times what came from it. */
export const UNVALIDATED_SEND_FACTOR = 3;
/** Pending conversations that may replace a live one with the same peer (a peer that restarted), per peer. */
export const MAX_REPLACEMENTS_PER_PEER = 2;
/** Direct probes of one punch attempt (a burst and its steady tail, all candidates): 3 candidates through a whole attempt fit. */
export const MAX_PROBES_PER_ATTEMPT = 64;
/** Direct candidates one conversation probes: an introduction cannot aim it at a long list of third parties. */
export const MAX_DIRECT_CANDIDATES = 8;
/** Punch probes to one address (any conversation), as a token bucket: burst, then per second. A whole honest attempt fits. */
export const PROBES_PER_ADDRESS_BURST = 24;
export const PROBES_PER_ADDRESS_PER_S = 1;
/** Addresses whose probe budgets are remembered (the oldest is forgotten first). */
export const MAX_PROBE_BUDGETS = 1_024;
/** Recently shown message ids per peer: a message moved to a new session after its ack was lost is shown once. */
export const RECENT_MSG_IDS_PER_PEER = 1_024;

// ---- defaults people see ----
/** The discovery servers' UDP ports: `npm run discovery:all` binds them, clients ask them by default. */
export const DEFAULT_DISCOVERY_PORTS: readonly number[] = [8000, 8001, 8002];
