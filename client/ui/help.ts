// The registry of keys and commands: what /help shows, what Tab completes, and what README's
// key and command tables must list (test/ui/readme-tables.test.ts checks both ways). A key or
// command added to the UI is added here, or that test fails.

export interface KeyHelp {
  /** As README's key table writes it (first column, without backquotes). */
  key: string;
  does: string;
}

export interface CommandHelp {
  /** The command word, lower case, with its slash. */
  name: string;
  /** As README's command table writes it: the word and its arguments. */
  usage: string;
  /** One line for /help. */
  summary: string;
  /** More for /help CMD. */
  details: string[];
}

export const KEYS: readonly KeyHelp[] = [
  { key: 'Up / Down', does: 'in the list: select a peer; in the input: recall the lines you sent; in search results: choose one' },
  { key: 'Enter (in the list)', does: 'open the conversation with that peer (an online peer is connected to)' },
  { key: 'Enter (in the input)', does: 'send the line to the conversation in view (a paste stays in the input until Enter)' },
  { key: 'Tab', does: 'complete a command or a peer name when the input ends in a partial word; otherwise move focus between list and input' },
  { key: 'Alt-1', does: 'the home buffer: welcome, errors, /help' },
  { key: 'Alt-2 … Alt-9', does: 'the conversations, in the order they were opened (the numbers of the activity list)' },
  { key: 'Ctrl-N / Ctrl-P', does: 'the next / previous buffer' },
  { key: 'Alt-A', does: 'the next conversation with unread messages' },
  { key: 'Ctrl-A / Ctrl-E', does: 'the input: to the start / end of the line' },
  { key: 'Alt-B / Alt-F', does: 'the input: one word back / forward' },
  { key: 'Ctrl-W', does: 'the input: delete the word before the cursor' },
  { key: 'Ctrl-U / Ctrl-K', does: 'the input: delete to the start / end of the line' },
  { key: 'PageUp / PageDown', does: 'scroll the conversation (PageUp goes back through the whole history); -MORE(n)- counts what arrived below' },
  { key: 'F2', does: 'show or hide the peer list (hidden by itself below 40 columns)' },
  { key: 'Enter (search results)', does: 'go to that message' },
  { key: 'Esc (search results)', does: 'close the results' },
  { key: 'y / n (long paste)', does: 'a paste of more than 5 lines or 1,000 characters asks first: y puts it in the input, n drops it' },
  { key: 'Ctrl-C', does: 'quit (Ctrl-D on an empty input too); says how many messages stay queued' },
];

export const COMMANDS: readonly CommandHelp[] = [
  { name: '/help', usage: '/help [CMD]', summary: 'commands, one line each; /help CMD details one; /help keys lists the keys', details: [] },
  {
    name: '/connect', usage: '/connect host:port', summary: 'connect directly to a known address, no server needed',
    details: ['a host name is resolved first (IPv4); what it resolved to is shown, and the conversation opens when connected'],
  },
  { name: '/nick', usage: '/nick NAME', summary: 'change your name (servers and peers learn it)', details: ['peers in a conversation see "* old is now NAME"'] },
  {
    name: '/search', usage: '/search TEXT', summary: 'search every conversation (words and word beginnings, newest first)',
    details: ['Up/Down choose a result, Enter goes to it, Esc closes'],
  },
  {
    name: '/whois', usage: '/whois [NAME|ID]', summary: 'who a peer is: id, key fingerprint, verified or not; no argument: the open conversation\'s peer, or you',
    details: ['on yourself (or on home with no argument) it shows your own id and fingerprint, to read out to a friend who checks it'],
  },
  {
    name: '/verify', usage: '/verify [NAME|ID]', summary: 'say you compared this peer\'s fingerprint out of band; the list marks it ✔',
    details: ['a name several peers share, or names that look alike, are not guessed: the UI lists them and asks for the id'],
  },
  { name: '/quit', usage: '/quit', summary: 'leave; says how many messages stay queued (they go on the next run)', details: ['/exit does the same'] },
  { name: '//', usage: '//text', summary: 'send "/text" as a message, slash and all', details: [] },
];

/** `/help`: one line per command, then where the keys are. */
export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    ...COMMANDS.map((c) => `${c.usage.padEnd(width)}  ${c.summary}`),
    'keys: /help keys · marks in the list: ✔ verified · • known · ! looks like a contact · gray: offline',
    'messages: … queued (goes when the peer is reachable) · ✓ on their disk · ✗ failed',
  ];
}

/** `/help CMD` (with or without its slash), or `/help keys`. */
export function helpFor(topic: string): string[] {
  const word = topic.trim().toLowerCase();
  if (word === 'keys') return KEYS.map((k) => `${k.key}: ${k.does}`);
  const cmd = COMMANDS.find((c) => c.name === word || c.name === `/${word}`);
  if (!cmd) return [`no command ${topic}: /help lists them`];
  return [`${cmd.usage}: ${cmd.summary}`, ...cmd.details.map((d) => `  ${d}`)];
}
