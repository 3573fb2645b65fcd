// A tiny schema language: one definition gives both the TypeScript type (Infer<>) and the
// validator that checks untrusted decoded CBOR against it. Validators never throw; they
// return false, and reject anything not plainly described (extra keys, wrong types,
// non-plain objects such as Map, Set, Date or RegExp that cbor-x may produce from tags).

export interface Schema<T> {
  readonly check: (value: unknown) => boolean;
  /** Phantom field carrying the static type. */
  readonly _type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export const str = (min: number, max: number, pattern?: RegExp): Schema<string> => ({
  check: (v) => typeof v === 'string' && v.length >= min && v.length <= max && (!pattern || pattern.test(v)),
});

export const uint = (max = Number.MAX_SAFE_INTEGER): Schema<number> => ({
  check: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max,
});

export const bool: Schema<boolean> = { check: (v) => typeof v === 'boolean' };

export const bytes = (max: number): Schema<Uint8Array> => ({
  // cbor-x returns Buffer (a Uint8Array) for byte strings; typed-array tags are other classes.
  check: (v) => v instanceof Uint8Array && (v.constructor === Buffer || v.constructor === Uint8Array) && v.length <= max,
});

export const oneOf = <T extends string>(...values: readonly T[]): Schema<T> => ({
  check: (v) => typeof v === 'string' && (values as readonly string[]).includes(v),
});

export const arr = <T>(item: Schema<T>, max: number): Schema<T[]> => ({
  check: (v) => Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype && v.length <= max && v.every(item.check),
});

export const tuple = <A, B>(a: Schema<A>, b: Schema<B>): Schema<[A, B]> => ({
  check: (v) => Array.isArray(v) && v.length === 2 && a.check(v[0]) && b.check(v[1]),
});

type Optional<T> = Schema<T> & { readonly optional: true };
export const opt = <T>(inner: Schema<T>): Optional<T | undefined> => ({
  check: (v) => v === undefined || inner.check(v),
  optional: true,
});

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
export type ObjectOf<F extends Fields> = { [K in RequiredKeys<F>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };

export const obj = <F extends Fields>(fields: F): Schema<ObjectOf<F>> => {
  // Precomputed once per schema: this check runs for every datagram a process receives.
  const entries = Object.entries(fields);
  return {
    check: (v) => {
      if (!isPlainObject(v)) return false;
      for (const key in v) if (!Object.hasOwn(fields, key)) return false;
      for (let i = 0; i < entries.length; i++) {
        const [key, schema] = entries[i] as [string, Schema<unknown>];
        if (!schema.check(v[key])) return false;
      }
      return true;
    },
  };
};
