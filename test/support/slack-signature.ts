/**
 * Slack's side of request signing, as a receiving app checks it: what the tests use to verify
 * that slackline signs its requests to bots as Slack does (docs/slack.md §8).
 */
import { secretEquals } from "../../src/http/tokens.ts";
import { computeSlackSignature, MAX_SKEW_SECONDS } from "../../src/outgoing/signing.ts";

/**
 * Verifies a Slack-signed request as Bolt does: version `v0`, a timestamp of whole seconds no more
 * than 5 minutes old, and a constant-time comparison over the raw body. Unlike Bolt, a timestamp
 * more than 5 minutes in the future is refused too (a window both ways).
 */
export async function verifySlackSignature(
  secret: string,
  timestamp: string | null | undefined,
  body: string,
  signature: string | null | undefined,
  nowSeconds: number,
): Promise<boolean> {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowSeconds) - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  if (!signature.startsWith("v0=")) return false;
  const expected = await computeSlackSignature(secret, timestamp, body);
  return secretEquals(signature, expected);
}
