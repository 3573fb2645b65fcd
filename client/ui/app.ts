// The blessed terminal UI: renders the model (model.ts) and turns keys into ClientCommands.
// The only module that imports blessed. Each blessed trap it avoids is named where it is.
import blessed from 'blessed';
import type { ChatClientApi, ClientEvent } from '../core/events.ts';
import { patchBlessedWidths } from './blessed-patch.ts';
import { handleInput, tooLong } from './commands.ts';
import { Drafts } from './drafts.ts';
import { helpLines } from './help.ts';
import { InputKeys, type KeyInfo } from './input-keys.ts';
import { UiModel } from './model.ts';
import { hookPaste, pastePrompt } from './paste-hook.ts';
import { pasteNeedsConfirm } from './paste.ts';
import { stripUnsafeLines } from './sanitize.ts';
import { renderSearch } from './search.ts';
import { renderPeerList, renderStatus, renderTitle } from './view.ts';
import { Viewport } from './viewport.ts';
import { padToWidth } from './width.ts';
import { activityList, HOME } from './windows.ts';

type Box = blessed.Widgets.BoxElement;
type Focus = 'list' | 'input';

export interface UiOptions {
  name: string;
  id: string;
  maxLines?: number;
  /** Ring the terminal bell on a message in a conversation not in view (`--bell on|off`; default on). */
  bell?: boolean;
}

const PROMPT = '> ';

/** Older history is asked for while fewer than this many screens are left above the view. */
const PREFETCH_SCREENS = 3;
/** Narrower than this, the list hides by itself (F2 shows it) so the conversation keeps its room. */
const NARROW = 40;

export async function runUi(client: ChatClientApi, opts: UiOptions): Promise<void> {
  patchBlessedWidths();
  const model = new UiModel(opts, opts.maxLines === undefined ? {} : { maxLines: opts.maxLines });
  const term = process.env.TERM ?? '';
  // blessed 0.1.81 cannot parse newer terminfo entries such as tmux-256color.
  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: true,
    title: 'natter',
    warnings: false,
    ...(/^(tmux|screen)/.test(term) ? { terminal: 'xterm-256color' } : {}),
  });
  // In a UTF-8 locale draw borders and '·' as UTF-8, not as DEC line-drawing (ACS): the
  // same bytes for every character, and tmux's capture-pane shows what a person sees.
  const { tput } = screen.program as unknown as { tput: { unicode?: boolean; brokenACS?: boolean } };
  if (tput.unicode) tput.brokenACS = true;
  const list = box(screen, { top: 0, left: 0, bottom: 2, width: 24, border: { type: 'line' }, label: ' peers ' });
  const conv = box(screen, { top: 0, left: 24, right: 0, bottom: 2, border: { type: 'line' } });
  const input = box(screen, { bottom: 1, left: 0, right: 0, height: 1, tags: false });
  const status = box(screen, { bottom: 0, left: 0, right: 0, height: 1, style: { inverse: true } });
  const results = box(screen, { top: 2, left: 4, right: 4, height: 12, border: { type: 'line' }, label: ' search ', hidden: true });

  const drafts = new Drafts();
  const keys = new InputKeys(drafts);
  const line = () => drafts.of((model.openId ?? HOME));
  let focus: Focus = 'list';
  /** F2: the list shown or hidden against its default for the width; undefined: the default. */
  let listWanted: boolean | undefined;
  const listView = { top: 0 };
  const viewport = new Viewport();
  /** A long paste waiting for y/n. */
  let pending: string | undefined;
  for (const text of ['welcome to natter · Alt-1 comes back here · Alt-2… your conversations · /help', ...helpLines()]) model.homeNote(text);

  const listShown = (): boolean => listWanted ?? (screen.width as number) >= NARROW;

  const render = (): void => {
    const shown = listShown();
    const listWidth = shown ? Math.min(32, Math.max(16, Math.floor((screen.width as number) * 0.25))) : 0;
    if (!shown && focus === 'list') focus = 'input';
    if (shown) list.show();
    else list.hide();
    list.width = Math.max(1, listWidth);
    conv.left = listWidth;
    list.style.border = { fg: focus === 'list' ? 'cyan' : 'gray' };
    conv.style.border = { fg: 'gray' };
    const lw = listWidth - 2;
    const lh = Math.max(1, (screen.height as number) - 2 - 2);
    if (shown) list.setContent(renderPeerList(model.entries(), lw, focus === 'list', Object.assign(listView, { height: lh, status: model.status })).join('\n'));
    const cw = Math.max(1, (screen.width as number) - listWidth - 2);
    const ch = Math.max(1, (screen.height as number) - 2 - 2 - 1);
    // Back at the bottom, far pages go (memory stays bounded); scrolled back, nothing is trimmed.
    const jumped = model.takeJumpLine();
    if (jumped) viewport.show(jumped);
    else if (viewport.scroll === 0) model.trimOpen();
    const view = viewport.frame(model.currentLines(), cw, ch);
    model.scrolledBack = view.scroll > 0;
    if (view.above < PREFETCH_SCREENS * ch) model.loadOlder();
    conv.setContent([`{bold}${renderTitle(model, cw, view.scroll > 0, viewport.more)}{/bold}`, ...view.rows].join('\n'));
    if (model.search.open) {
      const height = Math.max(4, Math.min(16, (screen.height as number) - 6));
      results.height = height;
      results.setContent(renderSearch(model.search, Math.max(1, (screen.width as number) - 10), height - 2).join('\n'));
      results.show();
      results.setFront();
    } else {
      results.hide();
    }
    const iw = Math.max(1, (screen.width as number) - PROMPT.length);
    const typed = line().view(iw);
    input.setContent(pending === undefined ? PROMPT + padToWidth(typed.text, iw) : padToWidth(pastePrompt(pending), iw + PROMPT.length));
    status.setContent(renderStatus(model.status, screen.width as number, activityList(model.windows, model.conversations, model.openId, model.homeActivity), model.windows.number((model.openId ?? HOME)) ?? 1));
    screen.render();
    // What the model asked for while the events and this frame were applied (pages, read marks).
    for (const cmd of model.takeCommands()) client.command(cmd);
    // Our own cursor: blessed only positions it for its textarea widgets.
    if (focus === 'input' && pending === undefined) {
      screen.program.cup((screen.height as number) - 2, PROMPT.length + typed.cursorCol);
      screen.program.showCursor();
    } else {
      screen.program.hideCursor();
    }
  };

  let rendering = false;
  const scheduleRender = (): void => {
    if (rendering) return;
    rendering = true;
    setImmediate(() => {
      rendering = false;
      if (!done) render();
    });
  };

  let done = false;
  let farewell = '';
  let resolveDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => { resolveDone = resolve; });
  const shutdown = async (): Promise<void> => {
    if (done) return;
    done = true;
    // Nothing is lost on quitting: say what stays in the outbox, then go (never wait for it).
    const queued = model.queued.total() + model.pages.unconfirmed();
    if (queued > 0) farewell = `${queued} message${queued === 1 ? ' stays' : 's stay'} queued and will be sent when you are back`;
    if (farewell) model.note(farewell);
    model.note('saying goodbye…');
    render();
    try {
      await client.shutdown();
    } finally {
      for (const sig of SIGNALS) process.removeListener(sig, onSignal);
      unhookPaste();
      screen.destroy(); // the terminal is restored whatever happened above
      if (farewell) process.stdout.write(`natter: ${farewell}\n`);
      resolveDone();
    }
  };
  /** Every way out (Ctrl-C, Ctrl-D, /quit, a signal) comes here. */
  const quit = (): void => {
    shutdown().catch(() => undefined); // the socket was closing anyway; the screen is already restored
  };
  // The one signal handler in UI mode (cli.ts removes its own before the UI starts). blessed
  // exits on SIGTERM/SIGINT only when it is the sole listener; ours says goodbye first.
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (): void => quit();
  for (const sig of SIGNALS) process.on(sig, onSignal);

  client.onEvent((ev: ClientEvent) => {
    if (done) return;
    model.apply(ev);
    // The bell for a message out of view; the terminal (or tmux) shows or sounds it.
    if (model.takeBell() && opts.bell !== false) screen.program.output.write('\x07');
    scheduleRender();
  });

  const submit = (): void => {
    const text = line().value;
    const result = handleInput(model, text);
    if (!result.keep) {
      line().take();
      drafts.remember(text);
    }
    for (const cmd of result.commands) client.command(cmd);
    if (result.home) model.show(HOME);
    viewport.toBottom();
    if (result.quit) quit();
  };

  /** A bracketed paste: one piece of text, into the input (asked first when long); refused when too long to send. */
  const onPaste = (raw: string): void => {
    if (done) return;
    const text = stripUnsafeLines(raw);
    const refused = tooLong(line().value + text);
    if (refused) model.note(refused);
    else if (pasteNeedsConfirm(text)) pending = text;
    else line().insert(text);
    if (!refused) focus = 'input';
    scheduleRender();
  };
  const unhookPaste = hookPaste(process.stdin, screen.program.output, onPaste);

  /** y/Enter puts the long paste in the input; n/Esc drops it; other keys wait. */
  const onPendingKey = (ch: string | undefined, key: KeyInfo): void => {
    if (pending === undefined) return;
    if (ch === 'y' || key.name === 'enter') line().insert(pending);
    else if (!(ch === 'n' || key.name === 'escape')) return;
    pending = undefined;
  };

  /** Alt-1…9, Ctrl-N/P, Alt-A: the buffer to show, if the key is one of those. */
  const bufferFor = (key: KeyInfo): string | undefined => {
    const alt = /^M-([1-9])$/.exec(key.full ?? '');
    if (alt) return model.windows.at(Number(alt[1]));
    if (key.full === 'C-n' || key.full === 'C-p') return model.windows.step((model.openId ?? HOME), key.full === 'C-n' ? 1 : -1);
    if (key.full === 'M-a') return model.windows.nextActive((model.openId ?? HOME), (k) => (k === HOME ? model.homeActivity : (model.conversations.get(k)?.unread ?? 0) > 0));
    return undefined;
  };

  const onListKey = (key: KeyInfo): void => {
    if (key.name === 'up') model.moveSelection(-1);
    else if (key.name === 'down') model.moveSelection(1);
    else if (key.name === 'enter') {
      const cmd = model.openSelected();
      if (cmd) client.command(cmd);
      viewport.toBottom();
      if (model.openId !== undefined) focus = 'input';
    }
  };

  /** The search results list has the keys while it is shown. */
  const onSearchKey = (key: KeyInfo): void => {
    if (key.name === 'up') model.search.move(-1);
    else if (key.name === 'down') model.search.move(1);
    else if (key.name === 'escape') model.search.close();
    else if (key.name === 'enter') {
      const hit = model.search.current();
      const cmd = hit && model.goTo(hit);
      if (cmd) client.command(cmd);
      focus = 'input';
    }
  };

  const onInputKey = (ch: string | undefined, key: KeyInfo): void => {
    const names = (): string[] => model.entries().map((e) => model.nameOf(e.id));
    const action = keys.handle((model.openId ?? HOME), ch, key, names);
    if (action.kind === 'submit') submit();
    else if (action.kind === 'quit') quit();
    else if (action.kind === 'focus-list' && listShown()) focus = 'list';
    else if (action.kind === 'candidates') model.note(action.names.join('  '));
  };

  screen.on('keypress', (ch: string | undefined, key: KeyInfo) => {
    if (done) return;
    // One Enter press arrives as 'return' and then 'enter': act on 'enter' only.
    if (key.name === 'return') return;
    if (key.full === 'C-c') return quit();
    const page = Math.max(1, (screen.height as number) - 8);
    const buffer = bufferFor(key);
    if (pending !== undefined) onPendingKey(ch, key);
    else if (model.search.open) onSearchKey(key);
    else if (buffer !== undefined) {
      model.show(buffer);
      viewport.toBottom();
    } else if (key.name === 'f2') listWanted = !listShown();
    else if (key.name === 'tab' && focus === 'list') focus = 'input';
    else if (key.name === 'pageup') viewport.pageUp(page);
    else if (key.name === 'pagedown') viewport.pageDown(page);
    else if (focus === 'list' && ch !== undefined && !key.ctrl && !key.meta && /^\P{Cc}$/u.test(ch) && !['up', 'down', 'enter'].includes(key.name ?? '')) {
      // Typing while the list has focus starts a message.
      focus = 'input';
      onInputKey(ch, key);
    } else if (focus === 'list') onListKey(key);
    else onInputKey(ch, key);
    scheduleRender();
  });
  screen.on('resize', () => scheduleRender());

  render();
  // Ask for the list now: a client started before we subscribed has already emitted it.
  client.command({ cmd: 'peers' });
  // Every contact with history, online or not, with the unread counts the history kept.
  client.command({ cmd: 'contacts' });
  return finished;
}

/** A plain box whose content we pre-wrap (view.ts); blessed's wrapping miscounts emoji. */
function box(screen: blessed.Widgets.Screen, options: blessed.Widgets.BoxOptions): Box {
  const el = blessed.box({ parent: screen, tags: true, wrap: false, ...options });
  const wrappable = el as unknown as { _wrapContent(content: string, width: number): unknown };
  const original = wrappable._wrapContent.bind(el);
  // Our lines already fit: a huge width keeps blessed from re-wrapping them.
  wrappable._wrapContent = (content: string, width: number) => original(content, width + 100_000);
  return el;
}

