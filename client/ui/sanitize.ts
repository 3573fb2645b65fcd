// Everything a peer sends (message text, names, reasons) is shown as text, never interpreted.
// blessed passes ESC sequences and `{tags}` through to the terminal, so a peer could repaint,
// retitle or hide our screen; bidi overrides can make text read differently than it is.

/** C0 controls, DEL and C1 controls (ESC is in C0), plus the bidi embeddings/overrides/isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Line breaks and tabs become one space so a message stays on its own line(s). */
const BREAKS = /\r\n|[\r\n\t\u2028\u2029\u000b\u000c]/g;

/** Removes control and bidi-override characters; newlines and tabs become spaces. */
export function stripUnsafe(text: string): string {
  return text.replace(BREAKS, ' ').replace(UNSAFE, '');
}

/** As stripUnsafe, but a message's line breaks stay ('\n'); a tab becomes four spaces. */
export function stripUnsafeLines(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(/\t/g, '    ').split('\n').map(stripUnsafe).join('\n');
}

/** Escapes blessed tags so `{red-fg}` shows literally (same output as blessed.escape). */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (ch) => (ch === '{' ? '{open}' : '{close}'));
}

/** Strip, then escape: the form in which untrusted text may enter a tagged blessed widget. */
export function sanitize(text: string): string {
  return escapeTags(stripUnsafe(text));
}
