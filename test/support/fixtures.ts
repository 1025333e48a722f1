/**
 * compat-fixtures/: real payloads and the exact Rocket.Chat messages slackline makes of them.
 * One folder per payload: `input.json` (the request as sent: route, content type, raw body) and
 * `expected.json` (the Slack answer and the messages). `npm run fixtures:update` rewrites the
 * expected files on purpose; every change to them is reviewed by eye before it is committed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocketChatAnswer } from "../../src/http/answers.ts";
import { decodePayload } from "../../src/http/body.ts";
import { parseSlackPayload } from "../../src/slack/payload.ts";
import { parseRocketChatPayload, withRocketChatIdentity } from "../../src/translate/rocketchat-payload.ts";
import { slackErrorStatus } from "../../src/slack/errors.ts";
import { defaultTranslateContext, type TranslateContext } from "../../src/model/context.ts";
import { translateIncoming, type HookSettings } from "../../src/translate/incoming.ts";
import { header, isIncomingWebhook, readCaptures, TEST_DATA } from "./captures.ts";

export const FIXTURES = join(import.meta.dirname, "../../compat-fixtures");

export interface FixtureInput {
  /** Where the payload came from (corpus file or capture). */
  readonly source: string;
  /**
   * `/services/…` reads Slack mrkdwn, `/hooks/{token}` Mattermost Markdown, `/hooks/{id}/{token}`
   * (`rocketchat`) Rocket.Chat's own payload.
   */
  readonly route: "services" | "hooks" | "rocketchat";
  readonly contentType: string | null;
  readonly body: string;
}

export interface FixtureExpected {
  readonly status: number;
  readonly body: string;
  readonly room?: string;
  readonly threadTs?: string;
  readonly messages?: unknown[];
}

/** The deployment every fixture is translated for. */
export const fixtureContext: TranslateContext = {
  users: { U0123ABCD: "alice", U024BE7LH: "bob" },
  channels: { C024BE7LR: "general" },
  timeZone: "UTC",
  maxMessageSize: 5000,
  tables: true,
  now: defaultTranslateContext.now,
};

export const fixtureHook: HookSettings = {
  channel: "#alerts",
  allowChannelOverride: true,
  allowUsernameOverride: true,
  allowIconOverride: true,
};

/** What slackline makes of one input: its answer and, for ok, the messages (ids aside). */
export async function produce(input: FixtureInput): Promise<FixtureExpected> {
  const produced = await translateFixture(input);
  if (input.route !== "rocketchat") return produced;
  // Rocket.Chat's own route answers in Rocket.Chat's JSON.
  return { ...produced, body: rocketChatAnswer({ status: produced.status, body: produced.body, headers: {} }).body };
}

async function translateFixture(input: FixtureInput): Promise<FixtureExpected> {
  const bytes = new TextEncoder().encode(input.body);
  const decoded = await decodePayload(bytes, input.contentType, "");
  // As the route reads it (src/routes/incoming.ts); a Rocket.Chat fixture names at most one room.
  const rocketChat = input.route === "rocketchat" ? parseRocketChatPayload(decoded) : undefined;
  const payload = rocketChat
    ? { ...rocketChat.payload, channel: rocketChat.rooms[0] }
    : input.route === "rocketchat"
      ? undefined
      : parseSlackPayload(input.route === "hooks" ? withRocketChatIdentity(decoded) : decoded);
  if (!payload) return { status: 400, body: "invalid_payload" };
  const dialect = input.route === "rocketchat" ? "rocketchat" : input.route === "hooks" ? "markdown" : "slack";
  const result = translateIncoming(payload, fixtureHook, fixtureContext, dialect);
  if (!result.ok) return { status: slackErrorStatus[result.error.code], body: result.error.code };
  const { room, threadTs, messages } = result.value;
  return { status: 200, body: "ok", room, ...(threadTs ? { threadTs } : {}), messages };
}

/** Every real payload this repository has seen: the shared corpus and the incoming captures. */
export function collectInputs(): Map<string, FixtureInput> {
  const inputs = new Map<string, FixtureInput>();
  const json = "application/json";
  for (const dir of ["zulip", "issues"]) {
    const folder = join(TEST_DATA, "corpus", dir);
    for (const file of readdirSync(folder).sort()) {
      const path = join(folder, file);
      const source = `corpus/${dir}/${file}`;
      if (file === "slack_message_conversion.json") {
        const table = JSON.parse(readFileSync(path, "utf8")) as {
          regular_tests: Array<{ name: string; input: string }>;
        };
        for (const t of table.regular_tests)
          inputs.set(`zulip-mrkdwn-${t.name}`, {
            source: `${source}#${t.name}`,
            route: "services",
            contentType: json,
            body: JSON.stringify({ text: t.input }),
          });
      } else if (file.endsWith(".json")) {
        inputs.set(`${dir}-${file.replace(/\.json$/, "")}`, {
          source,
          route: "services",
          contentType: json,
          body: readFileSync(path, "utf8"),
        });
      } else if (file.endsWith(".txt")) {
        inputs.set(`${dir}-${file.replace(/\.txt$/, "")}`, {
          source,
          route: "services",
          contentType: "application/x-www-form-urlencoded",
          body: readFileSync(path, "utf8").trim(),
        });
      }
    }
  }
  for (const req of readCaptures().filter(isIncomingWebhook)) {
    const [file, n] = req.id.split("#");
    let body = req.body.toString("utf8");
    // Chunked framing is HTTP, not payload: keep the chunk data.
    if (/chunked/i.test(header(req, "transfer-encoding") ?? ""))
      body = body.replace(/^[0-9a-f]+\r\n/i, "").replace(/\r\n0\r\n\r\n$/, "");
    inputs.set(`capture-${file!.replace(/\.http$/, "")}-${n}`, {
      source: `reference/captures/${req.id}`,
      route: /\/hooks\/[^/]+\/[^/]+$/.test(req.path)
        ? "rocketchat"
        : req.path.includes("/hooks/")
          ? "hooks"
          : "services",
      contentType: header(req, "content-type") ?? null,
      body,
    });
  }
  return inputs;
}

export function readFixture(name: string): { input: FixtureInput; expected: FixtureExpected | undefined } {
  const dir = join(FIXTURES, name);
  const input = JSON.parse(readFileSync(join(dir, "input.json"), "utf8")) as FixtureInput;
  const expectedPath = join(dir, "expected.json");
  return {
    input,
    expected: existsSync(expectedPath)
      ? (JSON.parse(readFileSync(expectedPath, "utf8")) as FixtureExpected)
      : undefined,
  };
}

/**
 * Fixtures captured from real clients run on this machine (scripts/capture-rocketchat-clients.ts),
 * not derived from the shared corpus: `client-…`.
 */
export const isClientCapture = (name: string): boolean => name.startsWith("client-");

export function listFixtures(): string[] {
  return existsSync(FIXTURES)
    ? readdirSync(FIXTURES)
        .filter((d) => existsSync(join(FIXTURES, d, "input.json")))
        .sort()
    : [];
}

export function writeFixture(name: string, input: FixtureInput, expected: FixtureExpected): void {
  const dir = join(FIXTURES, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "input.json"), JSON.stringify(input, null, 2) + "\n");
  writeFileSync(join(dir, "expected.json"), JSON.stringify(expected, null, 2) + "\n");
}
