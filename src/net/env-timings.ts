// The edge's one reading of NATTER_<NAME> timing overrides (the NAT lab and tests shorten
// timers with them). Read once at start-up by the CLIs and passed into the engines.

import { DEFAULT_TIMINGS, timingEnvName, type Timings } from '../timings.ts';

export function timingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<Timings> {
  const out: Partial<Timings> = {};
  for (const key of Object.keys(DEFAULT_TIMINGS) as (keyof Timings)[]) {
    const raw = env[timingEnvName(key)];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value > 0) out[key] = value;
  }
  return out;
}
