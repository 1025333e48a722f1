/**
 * Secret lookup that takes the same time whoever asks: the presented token is hashed and
 * compared with every configured token's hash, in full, without an early exit.
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

export class TokenIndex<T> {
  readonly #entries: Promise<Array<{ hash: Uint8Array; value: T }>>;

  constructor(entries: ReadonlyArray<readonly [token: string, value: T]>) {
    this.#entries = Promise.all(entries.map(async ([token, value]) => ({ hash: await sha256(token), value })));
  }

  async find(token: string): Promise<T | undefined> {
    const hash = await sha256(token);
    let found: T | undefined;
    for (const entry of await this.#entries) if (timingSafeEqual(hash, entry.hash)) found = entry.value;
    return found;
  }
}
