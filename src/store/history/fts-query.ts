// The user's search text → an FTS5 query that can never be a syntax error. Each word becomes
// a quoted phrase (so `don't`, `-x`, `AND`, `NEAR(` and `"` are just text), the words are
// ANDed, and the last word matches as a prefix (typing "hel" finds "hello").

/** A word that has no letter or digit has no token for FTS5 to match: dropped. */
const HAS_TOKEN = /[\p{L}\p{N}]/u;
/** A pasted page is not a search: more words than this only make the query slower, not better. */
export const MAX_QUERY_WORDS = 32;

/** The MATCH expression for `text`, or undefined when it has nothing to search for. */
export function ftsQuery(text: string): string | undefined {
  const words = text.split(/\s+/u).filter((w) => HAS_TOKEN.test(w)).slice(0, MAX_QUERY_WORDS);
  if (words.length === 0) return undefined;
  const quoted = words.map((w) => `"${w.replaceAll('"', '""')}"`);
  quoted[quoted.length - 1] += '*';
  return quoted.join(' ');
}
