// One JSON value on one line, safe for any reader: JSON.stringify escapes C0 controls but
// leaves C1 controls (U+0080–U+009F, which some terminals obey as escape sequences) and
// U+2028/U+2029 (line breaks to JavaScript and to some line readers) raw. Text from peers
// reaches headless output, so these are escaped too.

const UNSAFE = /[\u0080-\u009f\u2028\u2029]/g;

export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
