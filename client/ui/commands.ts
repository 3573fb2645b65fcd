// What a line typed in the input means: a slash command or a message to the open conversation.
import type { ClientCommand } from '../core/events.ts';
import type { UiModel } from './model.ts';

export interface InputResult {
  commands: ClientCommand[];
  quit: boolean;
}

export const HELP: readonly string[] = [
  'keys: Up/Down select a peer · Enter (list) open the conversation, connect, go to input',
  '      Tab switch list/input · Enter (input) send · PageUp/PageDown scroll',
  '      Ctrl-C quit · Ctrl-D on an empty input quit',
  'commands: /connect host:port · /nick NAME · /whois [NAME] · /trust [NAME] · /help · /quit',
];

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
  const [word = '', ...args] = text.split(/\s+/);
  const arg = args.join(' ');
  switch (word.toLowerCase()) {
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
    case '/trust': {
      const peer = arg || model.openConversation()?.peerId;
      if (!peer) {
        model.note(`usage: ${word} NAME (or open a conversation first)`);
        return none;
      }
      return { commands: [word === '/whois' ? { cmd: 'whois', peer } : { cmd: 'trust', peer }], quit: false };
    }
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
