// Puts the paste parser (paste.ts) between the terminal and blessed's key parser: bracketed
// paste is switched on, and every chunk read from the terminal goes through PasteParser
// before blessed's listeners see it. blessed has no hook for this, so `emit('data')` of the
// input stream is wrapped; unhooking puts it back and switches bracketed paste off again.
import { StringDecoder } from 'node:string_decoder';
import { PASTE_OFF, PASTE_ON, PasteParser } from './paste.ts';

interface Emitter { emit(event: string | symbol, ...args: unknown[]): boolean }
interface Writable { write(data: string): unknown }

export function hookPaste(input: Emitter, output: Writable, onPaste: (text: string) => void): () => void {
  const parser = new PasteParser(onPaste);
  const decoder = new StringDecoder('utf8');
  const original = input.emit;
  const emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'data') return original.call(input, event, ...args);
    const chunk = args[0];
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? decoder.write(chunk) : '';
    parser.feed(text, (keys) => original.call(input, 'data', typeof chunk === 'string' ? keys : Buffer.from(keys, 'utf8')));
    return true;
  };
  input.emit = emit;
  output.write(PASTE_ON);
  return () => {
    if (input.emit === emit) input.emit = original;
    output.write(PASTE_OFF);
  };
}

/** The question a long paste asks in the input row. */
export function pastePrompt(text: string): string {
  const lines = text.split('\n').length;
  return `paste ${lines} line${lines === 1 ? '' : 's'}, ${text.length.toLocaleString('en-US')} characters into the input? y: yes · n: no`;
}
