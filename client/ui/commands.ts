// What a line typed in the input means: a slash command or a message to the open conversation.
import type { ClientCommand } from '../core/events.ts';
import type { UiModel } from './model.ts';

export interface InputResult {
  commands: ClientCommand[];
  quit: boolean;
}

export const HELP: readonly string[] = [
  'keys: Up/Down select a peer · Enter (list) open the conversation, connect, go to input',
  '      Tab switch list/input · Enter (input) send · PageUp/PageDown scroll (PageUp goes back through the whole history)',
  '      search results: Up/Down choose · Enter go to the message · Esc close',
  '      Ctrl-C quit · Ctrl-D on an empty input quit',
  'commands: /connect host:port · /nick NAME · /whois [NAME|ID] · /verify [NAME|ID] · /search TEXT · /help · /quit',
  'list marks: ✔ verified (you compared the fingerprint) · • known (seen before) · ! name looks like a contact\'s; gray: offline',
  'message marks: … queued (goes when the peer is reachable, also after a restart) · ✓ on their disk · ✗ failed',
];

/** Search results asked for at once: a screenful or two to choose from. */
const SEARCH_LIMIT = 100;

export function handleInput(model: UiModel, raw: string): InputResult {
  const none: InputResult = { commands: [], quit: false };
  const text = raw.trim();
  if (text === '') return none;
  if (!text.startsWith('/')) {
    const conv = model.openConversation();
    if (!conv) {
      model.note('no conversation open: select a peer in the list (Tab) and press Enter');
      return none;
    }
    const ref = model.addOwnMessage(conv.peerId, text);
    return { commands: [{ cmd: 'send', peer: conv.peerId, text, ref }], quit: false };
  }
  const [typed = '', ...args] = text.split(/\s+/);
  const word = typed.toLowerCase(); // /WHOIS is /whois: every branch below sees the lower-cased word
  const arg = args.join(' ');
  switch (word) {
    case '/help':
      for (const line of HELP) model.note(line);
      return none;
    case '/quit':
    case '/exit':
      return { commands: [], quit: true };
    case '/connect':
      if (!/^\S+:\d{1,5}$/.test(arg)) {
        model.note('usage: /connect host:port');
        return none;
      }
      model.expectAddr(arg);
      model.note(`connecting to ${arg}…`);
      return { commands: [{ cmd: 'connect', addr: arg }], quit: false };
    case '/whois':
    case '/verify': {
      const peer = arg === '' ? model.openConversation()?.peerId : model.resolveForCommand(arg, word);
      if (peer === undefined) {
        if (arg === '') model.note(`usage: ${word} NAME or ID (or open a conversation first)`);
        return none;
      }
      return { commands: [{ cmd: word === '/whois' ? 'whois' : 'verify', peer }], quit: false };
    }
    case '/search':
      if (arg === '') {
        model.note('usage: /search TEXT (words or word beginnings, in every conversation)');
        return none;
      }
      return { commands: [{ cmd: 'search', text: arg, limit: SEARCH_LIMIT }], quit: false };
    case '/nick':
      if (arg === '') {
        model.note('usage: /nick NAME');
        return none;
      }
      model.note(`asking to be called ${arg}`);
      return { commands: [{ cmd: 'nick', name: arg }], quit: false };
    default:
      model.note(`unknown command ${word}: type /help`);
      return none;
  }
}
