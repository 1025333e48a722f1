/**
 * Secret lookup that takes the same time whoever asks: the presented token is compared with
 * every configured token, in full, without an early exit. `secretEquals` hashes both sides;
 * `TokenIndex` (one lookup per incoming webhook) compares bytes directly, which is just as
 * blind and synchronous (WebCrypto's digest is a thread-pool round trip: 15–75 µs of CPU per
 * request in the benchmark, more than the whole translation).
 */
const encoder = new TextEncoder();

const sha256 = async (value: string): Promise<Uint8Array> =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));

/** Constant-time equality of two byte strings of the same length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time comparison of two strings (via their SHA-256). */
export async function secretEquals(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return timingSafeEqual(a, b);
}

/**
 * Whether `presented` equals `expected`, in time that depends only on `presented`'s length:
 * every presented byte is compared (with `expected` repeated), so neither a matching prefix nor
 * `expected`'s length shows.
 */
function sameBytes(presented: Uint8Array, expected: Uint8Array): boolean {
  let diff = presented.length ^ expected.length;
  for (let i = 0; i < presented.length; i++) diff |= presented[i]! ^ (expected[i % expected.length] ?? 0);
  return diff === 0;
}

export class TokenIndex<T> {
  readonly #entries: ReadonlyArray<{ token: Uint8Array; value: T }>;

  constructor(entries: ReadonlyArray<readonly [token: string, value: T]>) {
    this.#entries = entries.map(([token, value]) => ({ token: encoder.encode(token), value }));
  }

  find(token: string): T | undefined {
    const presented = encoder.encode(token);
    let found: T | undefined;
    for (const entry of this.#entries) if (sameBytes(presented, entry.token)) found = entry.value;
    return found;
  }
}
