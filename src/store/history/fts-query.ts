// The user's search text → an FTS5 query that can never be a syntax error. Each word becomes
// a quoted phrase (so `don't`, `-x`, `AND`, `NEAR(` and `"` are just text), the words are
// ANDed, and the last word matches as a prefix (typing "hel" finds "hello").

/** A word that has no letter or digit has no token for FTS5 to match: dropped. */
const HAS_TOKEN = /[\p{L}\p{N}]/u;

/** The MATCH expression for `text`, or undefined when it has nothing to search for. */
export function ftsQuery(text: string): string | undefined {
  const words = text.split(/\s+/u).filter((w) => HAS_TOKEN.test(w));
  if (words.length === 0) return undefined;
  const quoted = words.map((w) => `"${w.replaceAll('"', '""')}"`);
  quoted[quoted.length - 1] += '*';
  return quoted.join(' ');
}
