// Going to a search result: its conversation loads older pages until the message is there
// (or the history turns out not to have it any more), then the view is moved to it once.
import type { ClientCommand } from '../core/events.ts';
import type { HistoryPages } from './history-pages.ts';
import type { ChatLine, Conversation } from './types.ts';

export type JumpStep =
  | { kind: 'none' }
  | { kind: 'page'; command: ClientCommand | undefined }
  | { kind: 'missing' };

export class SearchJump {
  private target: { peerId: string; msgId: string } | undefined;
  private reached: ChatLine | undefined;

  constructor(private readonly pages: HistoryPages) {}

  start(peerId: string, msgId: string): void {
    this.target = { peerId, msgId };
    this.reached = undefined;
  }

  /** The person opened another conversation: the jump is over. */
  leave(peerId: string): void {
    if (this.target !== undefined && this.target.peerId !== peerId) this.target = undefined;
  }

  /** Pages load towards the target (or it is about to be shown): far pages must not be dropped. */
  busy(): boolean {
    return this.target !== undefined || this.reached !== undefined;
  }

  /** After a page of `conv` arrived (or the jump started): there, the next older page, or missing. */
  follow(conv: Conversation): JumpStep {
    if (this.target?.peerId !== conv.peerId) return { kind: 'none' };
    const line = this.pages.line(this.target.msgId);
    if (line) {
      this.reached = line;
      this.target = undefined;
      return { kind: 'none' };
    }
    if (conv.paging.complete) {
      this.target = undefined;
      return { kind: 'missing' };
    }
    return { kind: 'page', command: conv.paging.request === undefined ? this.pages.older(conv) : undefined };
  }

  /** The line reached, once: the app scrolls it into view. */
  take(): ChatLine | undefined {
    const line = this.reached;
    this.reached = undefined;
    return line;
  }
}
