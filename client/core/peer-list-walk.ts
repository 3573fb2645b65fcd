// One server's peer list, walked page by page (ListPeers with a cursor) and merged when the
// last page arrives. A server is not trusted with our memory: a walk keeps at most
// MAX_PEERS_PER_SERVER entries and asks for at most MAX_PAGES_PER_WALK pages (the rest waits
// for the next poll, every peerListPollMs), and a page that answers no ListPeers of ours is
// dropped: a fake server answering every request with fresh pages cannot grow the client.

import { MAX_PAGES_PER_WALK, MAX_PEERS_PER_SERVER } from '../../src/constants.ts';
import type { DropCounter } from '../../src/codec.ts';
import type { MessageOf, MsgType } from '../../src/wire.ts';

export interface WalkState {
  /** The list as the last complete walk gave it (id -> name), and its registry version. */
  peers: Map<string, string>;
  ver: number | undefined;
  /** Pages of the walk in progress, and the version of its first page. */
  walk: Map<string, string> | undefined;
  walkVer: number | undefined;
  /** Pages asked in this walk, and whether a ListPeers waits for its answer. */
  walkPages: number;
  listAsked: boolean;
}

/** What a page means: ask for the next one (`cursor`), or the walk is over (`changed`: the list differs). */
export type PageVerdict = { cursor: string } | { done: true; changed: boolean } | { ignored: true };

/** A new walk starts (an unanswered one is given up: its late pages are dropped). */
export function startWalk(s: WalkState): void {
  s.walk = undefined;
  s.walkPages = 1;
  s.listAsked = true;
}

export function takePage(s: WalkState, msg: MessageOf<typeof MsgType.PeerList>, drops: DropCounter): PageVerdict {
  if (!s.listAsked) {
    drops.add('peer-list-unasked');
    return { ignored: true };
  }
  s.listAsked = false;
  if (msg.unchanged) return { ignored: true };
  const walk = s.walk ?? new Map<string, string>();
  if (!s.walk) s.walkVer = msg.ver;
  for (const p of msg.peers) {
    if (walk.size >= MAX_PEERS_PER_SERVER && !walk.has(p.id)) {
      drops.add('peer-list-full');
      break;
    }
    walk.set(p.id, p.name);
  }
  if (msg.next !== undefined && s.walkPages < MAX_PAGES_PER_WALK && walk.size < MAX_PEERS_PER_SERVER) {
    s.walk = walk;
    s.walkPages++;
    s.listAsked = true;
    return { cursor: msg.next };
  }
  if (msg.next !== undefined) drops.add('peer-list-walk-cut'); // the rest waits for the next poll
  s.walk = undefined;
  s.ver = s.walkVer;
  const changed = walk.size !== s.peers.size || [...walk].some(([id, name]) => s.peers.get(id) !== name);
  s.peers = walk;
  return { done: true, changed };
}
