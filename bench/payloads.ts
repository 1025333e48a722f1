/**
 * The payloads the HTTP benchmark sends: a small text message, Alertmanager's attachment (a real
 * capture) and a large Block Kit message from the shared corpus.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCaptures, TEST_DATA } from "../test/support/captures.ts";

export interface BenchPayload {
  readonly name: string;
  readonly contentType: string;
  /** A JSON object; the benchmark sets `channel` on it per connection. */
  readonly body: Record<string, unknown>;
}

function alertmanager(): Record<string, unknown> {
  const capture = readCaptures().find((r) => r.id === "alertmanager-slack.http#2");
  if (!capture) throw new Error("reference/captures/alertmanager-slack.http request 2 is missing");
  return JSON.parse(capture.body.toString("utf8")) as Record<string, unknown>;
}

export function loadPayloads(): BenchPayload[] {
  const json = "application/json";
  return [
    {
      name: "small",
      contentType: json,
      body: { text: "Deploy *finished* for <https://ci.example.com/jobs/42|api> in 42 s :tada:" },
    },
    { name: "alertmanager", contentType: json, body: alertmanager() },
    {
      name: "blockkit",
      contentType: json,
      body: JSON.parse(readFileSync(join(TEST_DATA, "corpus/zulip/complicated.json"), "utf8")) as Record<
        string,
        unknown
      >,
    },
  ];
}
