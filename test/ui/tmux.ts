// Drives terminal programs in tmux the way a person would: send keys, read the screen.
// Every wait has a deadline. All sessions live on a private tmux server (-L), so `close()`
// removes everything this test started, and nothing else.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strWidth } from '../../client/ui/width.ts';

export function requireTmux(): void {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'pipe', timeout: 5000 });
  } catch {
    throw new Error('tmux is not installed: the UI tests drive the terminal UI in tmux (apt-get install -y tmux)');
  }
}

export class Tmux {
  readonly socket = `natter-ui-${process.pid}`;

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Starts `command` in a new detached session; the pane stays (dead) after it exits. */
  start(session: string, command: string, size: { x: number; y: number }): Pane {
    this.run('-u', 'new-session', '-d', '-s', session, '-x', String(size.x), '-y', String(size.y), command,
      ';', 'set-option', '-t', session, 'remain-on-exit', 'on');
    return new Pane(this, session);
  }

  close(): void {
    let path = '';
    try {
      path = this.run('display-message', '-p', '#{socket_path}').trim();
    } catch {
      // no server left
    }
    try {
      this.run('kill-server');
    } catch {
      // no server left: nothing to clean
    }
    // tmux leaves the socket file of a killed server behind.
    if (path.includes(this.socket)) rmSync(path, { force: true });
  }
}

export class Pane {
  constructor(private readonly tmux: Tmux, readonly session: string) {}

  capture(): string {
    return this.tmux.run('capture-pane', '-p', '-t', this.session);
  }

  /** The screen plus its scrollback (the normal screen's history; never the alternate one). */
  captureAll(): string {
    return this.tmux.run('capture-pane', '-p', '-S', '-', '-t', this.session);
  }

  /** The screen with its colours and attributes as escape sequences (inverse: the selection). */
  captureStyled(): string {
    return this.tmux.run('capture-pane', '-p', '-e', '-t', this.session);
  }

  /** Pastes `text` as a terminal does: bracketed if the program asked for it (tmux paste-buffer -p). */
  paste(text: string): void {
    const file = join(tmpdir(), `natter-paste-${process.pid}-${Date.now()}`);
    writeFileSync(file, text);
    try {
      this.tmux.run('load-buffer', '-b', 'natter-paste', file);
      this.tmux.run('paste-buffer', '-p', '-d', '-b', 'natter-paste', '-t', this.session);
    } finally {
      rmSync(file, { force: true });
    }
  }

  lines(): string[] {
    return this.capture().split('\n');
  }

  keys(...keys: string[]): void {
    this.tmux.run('send-keys', '-t', this.session, ...keys);
  }

  type(text: string): void {
    this.tmux.run('send-keys', '-t', this.session, '-l', text);
  }

  resize(x: number, y: number): void {
    this.tmux.run('resize-window', '-t', this.session, '-x', String(x), '-y', String(y));
  }

  format(fmt: string): string {
    return this.tmux.run('display-message', '-p', '-t', this.session, fmt).trim();
  }

  dead(): boolean {
    return this.format('#{pane_dead}') === '1';
  }

  /** Polls the screen until `check` holds; fails with the last screen after `ms`. */
  async waitFor(what: string, check: RegExp | ((screen: string) => boolean), ms = 10_000, styled = false): Promise<string> {
    const deadline = Date.now() + ms;
    let screen = '';
    for (;;) {
      try {
        screen = styled ? this.captureStyled() : this.capture();
      } catch (err) {
        screen = `(capture failed: ${String(err)})`;
      }
      if (typeof check === 'function' ? check(screen) : check.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`${this.session}: timed out after ${ms} ms waiting for ${what}; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async waitDead(ms = 10_000): Promise<void> {
    await this.waitFor('the program to exit', () => this.dead(), ms);
  }
}

/**
 * The UI's boxed rows (all but the input and status lines) must end at the pane's last
 * column: a character measured with the wrong width shifts the right border.
 */
export function misalignedRows(screen: string, width: number): string[] {
  const rows = screen.split('\n');
  const boxed = rows.slice(0, Math.max(0, rows.length - 3)).filter((r) => r !== '');
  return boxed.filter((r) => strWidth(r) !== width || !/[│┐┘]$/.test(r));
}
