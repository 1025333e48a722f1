/**
 * Secret comparison that takes the same time whatever the presented value has in common with
 * the secret: every character is compared, without an early exit. Only lengths show in the
 * timing, as with Node's `crypto.timingSafeEqual` (which refuses unequal lengths outright).
 *
 * Synchronous on purpose: hashing with `crypto.subtle.digest` first (its only constant-time
 * route on Workers) cost an async job per request, ~30 µs of every incoming webhook on Node.
 */
export function secretEquals(presented: string, expected: string): boolean {
  const length = Math.max(presented.length, expected.length);
  let diff = presented.length ^ expected.length;
  // Past a string's end `charCodeAt` is NaN, and `NaN | 0` is 0: the loop still runs in full.
  for (let i = 0; i < length; i++) diff |= (presented.charCodeAt(i) | 0) ^ (expected.charCodeAt(i) | 0);
  return diff === 0;
}

/** Token → value, looked up by comparing the token with every configured one in full. */
export class TokenIndex<T> {
  readonly #entries: ReadonlyArray<readonly [token: string, value: T]>;

  constructor(entries: ReadonlyArray<readonly [token: string, value: T]>) {
    this.#entries = entries;
  }

  find(token: string): T | undefined {
    let found: T | undefined;
    for (const [candidate, value] of this.#entries) if (secretEquals(token, candidate)) found = value;
    return found;
  }
}
