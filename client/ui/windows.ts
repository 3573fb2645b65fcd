// The numbered buffers, as in irssi and WeeChat: 1 is home (welcome, errors, help), 2… are
// the conversations in the order they were first opened. The numbers are what Alt-1…9 go
// to and what the activity list in the status bar shows; they never change while we run.

/** The home buffer's key wherever a buffer is named by key (drafts, the open view). */
export const HOME = '';

export class Windows {
  /** Peer ids, window 2 first. */
  private readonly order: string[] = [];

  /** The conversation is opened (again): it keeps its number, or gets the next one. */
  add(peerId: string): void {
    if (!this.order.includes(peerId)) this.order.push(peerId);
  }

  /** Window number of a conversation (home is 1), or undefined if it was never opened. */
  number(peerId: string): number | undefined {
    const at = this.order.indexOf(peerId);
    return at < 0 ? undefined : at + 2;
  }

  /** The buffer numbered `n` (1 = HOME), or undefined if there is none. */
  at(n: number): string | undefined {
    if (n === 1) return HOME;
    return this.order[n - 2];
  }

  /** Every buffer in number order: HOME, then the conversations. */
  all(): string[] {
    return [HOME, ...this.order];
  }

  /** The buffer `delta` steps from `current`, wrapping around (Ctrl-N / Ctrl-P). */
  step(current: string, delta: number): string {
    const all = this.all();
    const at = Math.max(0, all.indexOf(current));
    return all[(at + delta + all.length * 2) % all.length] ?? HOME;
  }

  /** The next buffer after `current` (wrapping) for which `active` holds, if any (Alt-A). */
  nextActive(current: string, active: (key: string) => boolean): string | undefined {
    const all = this.all();
    const at = Math.max(0, all.indexOf(current));
    for (let i = 1; i <= all.length; i++) {
      const key = all[(at + i) % all.length] ?? HOME;
      if (key !== current && active(key)) return key;
    }
    return undefined;
  }
}

export interface Activity { n: number; name: string; unread: number }

/** Buffers not in view with something new, by number: `[1:home 2:bob(3)]` in the status bar. */
export function activityList(
  windows: Windows,
  conversations: ReadonlyMap<string, { name: string; unread: number }>,
  openId: string | undefined,
  homeActivity: boolean,
): Activity[] {
  const out: Activity[] = homeActivity ? [{ n: 1, name: 'home', unread: 0 }] : [];
  for (const key of windows.all()) {
    const conv = key === HOME || key === openId ? undefined : conversations.get(key);
    if (conv && conv.unread > 0) out.push({ n: windows.number(key) ?? 0, name: conv.name || key.slice(0, 6), unread: conv.unread });
  }
  // Conversations never opened have no number yet: they come last, unnumbered.
  for (const [key, conv] of conversations) {
    if (key !== openId && conv.unread > 0 && windows.number(key) === undefined) out.push({ n: 0, name: conv.name || key.slice(0, 6), unread: conv.unread });
  }
  return out;
}

/** `--> bob is online` / `<-- bob left` for the conversations that have a window. */
export function joinsAndLeaves<C extends { name: string }>(
  windows: Windows, conversations: ReadonlyMap<string, C>, before: ReadonlySet<string>, online: ReadonlyMap<string, string>,
): [C, string][] {
  const out: [C, string][] = [];
  for (const key of windows.all()) {
    const conv = conversations.get(key);
    if (!conv) continue;
    if (!before.has(key) && online.has(key)) out.push([conv, `--> ${online.get(key) ?? conv.name} is online`]);
    else if (before.has(key) && !online.has(key)) out.push([conv, `<-- ${conv.name} left`]);
  }
  return out;
}
