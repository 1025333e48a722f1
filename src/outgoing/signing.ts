/**
 * Slack request signing, v0 (docs/slack.md §8):
 *   basestring = "v0:" + X-Slack-Request-Timestamp + ":" + <raw request body>
 *   X-Slack-Signature = "v0=" + hex(HMAC_SHA256(signing_secret, basestring))
 * Web Crypto only, so it runs on Node and on Workers alike.
 */

const SIGNATURE_HEADER = "X-Slack-Signature";
const TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";
/** "The timestamp must not be more than 5 minutes older than the receiver's clock" (Bolt). */
export const MAX_SKEW_SECONDS = 5 * 60;

const encoder = new TextEncoder();

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  let hex = "";
  for (const b of mac) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** `v0=<hex>` over exactly `body`, the string that is sent. */
export async function computeSlackSignature(secret: string, timestamp: number | string, body: string): Promise<string> {
  return "v0=" + (await hmacSha256Hex(secret, `v0:${timestamp}:${body}`));
}

/** The two signing headers for a request sent at `nowSeconds`. */
export async function slackSignatureHeaders(
  secret: string,
  nowSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(nowSeconds));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: await computeSlackSignature(secret, timestamp, body),
  };
}
