// What a line typed in the input means: a slash command or a message to the open conversation.
// The text of a message is sent as typed: newlines and leading spaces are the person's.
import type { ClientCommand } from '../core/events.ts';
import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';
import { helpFor, helpLines } from './help.ts';
import type { UiModel } from './model.ts';

export interface InputResult {
  commands: ClientCommand[];
  quit: boolean;
  /** The line stays in the input (refused, e.g. too long to send as a message). */
  keep?: boolean;
  /** Show the home buffer (where /help wrote). */
  home?: boolean;
}

/** Search results asked for at once: a screenful or two to choose from. */
const SEARCH_LIMIT = 100;

/** Why a message cannot be sent as one, or undefined. Said before it is shown anywhere. */
export function tooLong(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_MESSAGE_BYTES) return undefined;
  return `too long for a message: ${bytes.toLocaleString('en-US')} bytes, the limit is ${MAX_MESSAGE_BYTES.toLocaleString('en-US')}; ` +
    'it could go as a file, but /send-file is not available yet: shorten it (your text stays in the input)';
}

export function handleInput(model: UiModel, raw: string): InputResult {
  const none: InputResult = { commands: [], quit: false };
  if (raw.trim() === '') return none;
  // `//text` is the message "/text", as in IRC clients; any other leading slash is a command.
  if (!raw.startsWith('/') || raw.startsWith('//')) return message(model, raw.startsWith('//') ? raw.slice(1) : raw);
  const text = raw.trim();
  const [typed = '', ...args] = text.split(/\s+/);
  const word = typed.toLowerCase(); // /WHOIS is /whois: every branch below sees the lower-cased word
  const arg = args.join(' ');
  switch (word) {
    case '/help':
      for (const line of arg === '' ? helpLines() : helpFor(arg)) model.homeNote(line);
      return { ...none, home: true };
    case '/quit':
    case '/exit':
      return { commands: [], quit: true };
    case '/connect':
      if (!/^\S+:\d{1,5}$/.test(arg)) {
        model.note('usage: /connect host:port');
        return none;
      }
      // The client answers with `connecting` (the resolved address) or an error: nothing is said before.
      model.expectAddr(arg);
      return { commands: [{ cmd: 'connect', addr: arg }], quit: false };
    case '/whois':
    case '/verify':
      return whoisOrVerify(model, word, arg);
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
      model.note(`unknown command ${word}: type /help (//${word.slice(1)} sends it as a message)`);
      return none;
  }
}

function message(model: UiModel, text: string): InputResult {
  const conv = model.openConversation();
  if (!conv) {
    model.note('no conversation open: select a peer in the list (Tab) and press Enter');
    return { commands: [], quit: false, keep: true };
  }
  const refused = tooLong(text);
  if (refused) {
    model.note(refused);
    return { commands: [], quit: false, keep: true };
  }
  const ref = model.addOwnMessage(conv.peerId, text);
  return { commands: [{ cmd: 'send', peer: conv.peerId, text, ref }], quit: false };
}

function whoisOrVerify(model: UiModel, word: '/whois' | '/verify', arg: string): InputResult {
  const none: InputResult = { commands: [], quit: false };
  const self = model.status;
  // Ourselves: with no argument on home, or by our name or id. Our own fingerprint is in `ready`/`status`.
  const onSelf = (arg === '' && model.openId === undefined) || arg === self.id || (arg !== '' && arg === self.name && !model.entries().some((e) => model.nameOf(e.id) === arg));
  if (onSelf && word === '/whois') {
    model.note(`you: ${self.name} (${self.id}), key ${self.fingerprint ?? 'not known yet'}: read it out to a friend who checks it with /whois and /verify`);
    return none;
  }
  const peer = arg === '' ? model.openConversation()?.peerId : resolveForCommand(model, arg, word);
  if (peer === undefined) {
    if (arg === '') model.note(`usage: ${word} NAME or ID (or open a conversation first)`);
    return none;
  }
  return { commands: [{ cmd: word === '/whois' ? 'whois' : 'verify', peer }], quit: false };
}

/**
 * The peer a command typed with a name means, as an id. When several peers have that name,
 * or names that look like it, nothing is guessed: a note lists them and asks for the id.
 * Anything else (an id, an id prefix, an unknown name) goes to the client as typed.
 */
export function resolveForCommand(model: UiModel, arg: string, command: string): string | undefined {
  const skeleton = model.contacts.skeleton(arg);
  const alike = model.entries().filter((e) => e.id !== model.status.id && model.contacts.skeleton(model.nameOf(e.id)) === skeleton);
  if (alike.length === 0) return arg;
  if (alike.length === 1) return alike[0] && model.nameOf(alike[0].id) === arg ? alike[0].id : arg; // only look-alike: never substituted
  model.note(`${alike.length} peers are named like "${arg}": ${alike.map((e) => e.label).join(', ')}; type ${command} ID`);
  return undefined;
}
