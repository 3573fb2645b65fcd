// Every drop reason a discovery server (or the status probe) counts has plain words: the
// reasons are collected from the source, so a new one without words fails here.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KNOWN_DROP_REASONS, dropWords } from '../../discovery/edge/view/drop-words.ts';
import { ROOT } from '../helpers/root.ts';

const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
const literals = (text: string): string[] => [...text.matchAll(/'([a-z]+(?:-[a-z]+)+|[a-z]+)'/g)].map((m) => m[1] as string);

function countedReasons(): Set<string> {
  const reasons = new Set<string>();
  for (const file of readdirSync(join(ROOT, 'discovery/core'))) {
    for (const line of read(`discovery/core/${file}`).split('\n')) {
      if (/drops\??\.add\(/.test(line)) for (const r of literals(line)) reasons.add(r);
    }
  }
  // Reasons built from a type's values: the decoder's, the IP caps', and register-${verdict}.
  const typeValues = (file: string, name: string): string[] => literals(new RegExp(`type ${name} =([^;]*);`).exec(read(file))?.[1] ?? '');
  for (const r of typeValues('src/codec.ts', 'DropReason')) reasons.add(r);
  for (const r of typeValues('discovery/core/ip-caps.ts', 'IpCapRefusal')) reasons.add(r);
  for (const v of typeValues('src/crypto/signed.ts', 'RegistrationVerdict')) if (v !== 'ok') reasons.add(`register-${v}`);
  return reasons;
}

describe('drop words', () => {
  it('every counted reason has words', () => {
    const reasons = countedReasons();
    assert.ok(reasons.size > 40, `found only ${reasons.size} reasons: the scan is broken`);
    assert.ok(reasons.has('register-bad-signature') && reasons.has('bad-shape') && reasons.has('ip-identity-cap'));
    const missing = [...reasons].filter((r) => !KNOWN_DROP_REASONS.includes(r));
    assert.deepEqual(missing, []);
  });

  it('words for a known code, the code itself for an unknown one', () => {
    assert.equal(dropWords('register-bad-signature'), 'forged registration (bad signature)');
    assert.equal(dropWords('something-new'), 'something-new');
    assert.equal(dropWords('constructor'), 'constructor');
  });
});
