/**
 * The Worker entry inside workerd: the `main` module from wrangler.toml with its bindings, its
 * config handling (validated once per isolate; a bad one is a 500 and a log line, never a stack
 * trace), `${NAME}` from the Worker's vars and secrets, and demo mode without a config.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as main from "../../src/worker.ts";
import { DEMO_HOOK_TOKEN } from "../../src/workers/entry.ts";
import { gatewayConfigJson, HOOK_TOKEN, RC_TOKEN, seed } from "../contract/config.ts";
import { remoteBot, remoteFake } from "../contract/remote.ts";
import { callWorker, testEnv, workerGateway } from "./support.ts";

const post = (path: string, body: unknown) =>
  new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the Worker", () => {
  it("exports only its handlers and its Durable Object class (workerd reads every export)", () => {
    expect(Object.keys(main).sort()).toEqual([
      "SlacklineLimiter",
      "SlacklineMetrics",
      "SlacklineRoom",
      "SlacklineState",
      "default",
    ]);
  });

  it("serves the app from wrangler.toml's main, with the config binding", async () => {
    const res = await exports.default.fetch("http://localhost/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    const status = await exports.default.fetch("http://localhost/");
    expect(await status.text()).toMatch(
      /^slackline: 3 incoming hook\(s\), 0 outgoing rule\(s\), delivering to http:\/\/127\.0\.0\.1:\d+\n$/,
    );
  });

  it("answers 500 for a config that is not JSON, logs why, and shows neither the config nor a stack", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await callWorker(post(`/services/T/B/${HOOK_TOKEN}`, { text: "x" }), {
      SLACKLINE_CONFIG: '{ "rocketchat": xoxb-secret-value',
    });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(body).toBe("slackline: SLACKLINE_CONFIG is invalid; the Worker's logs name the problems");
    expect(errors).toHaveBeenCalledWith(
      expect.stringMatching(/^slackline: SLACKLINE_CONFIG is invalid: config: not valid JSON/),
    );
  });

  it("names every problem of an invalid config by its key path, in one log line", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const config = {
      incoming: [{ name: "a", token: "short", channel: "#a" }],
      rocketchat: { url: "https://chat.example.com", userId: "u", authToken: "${RC_TOKEN_MISSING}" },
      typo: 1,
    };
    const res = await callWorker(post("/healthz", {}), { SLACKLINE_CONFIG: JSON.stringify(config) });
    expect(res.status).toBe(500);
    expect(errors).toHaveBeenCalledTimes(1);
    const line = String(errors.mock.calls[0]![0]);
    expect(line).toContain("incoming[0].token: must be at least 16 characters");
    expect(line).toContain("rocketchat.authToken: environment variable RC_TOKEN_MISSING is not set");
    expect(line).toContain("typo: unknown key");
    expect(line).not.toContain("\n");
  });

  it("fills ${NAME} from the Worker's vars and secrets", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "alerts" });
    const config = gatewayConfigJson(fake, {
      rocketchat: { url: fake.url, userId: "${RC_USER_ID}", authToken: "${RC_AUTH_TOKEN}" },
      incoming: [{ name: "alerts", token: "${ALERTS_HOOK_TOKEN}", channel: "#alerts" }],
    });
    const secrets = {
      RC_USER_ID: fake.userId,
      RC_AUTH_TOKEN: fake.authToken,
      ALERTS_HOOK_TOKEN: "from-a-secret-0123456789",
    };
    const res = await callWorker(post("/services/T/B/from-a-secret-0123456789", { text: "interpolated" }), {
      SLACKLINE_CONFIG: JSON.stringify(config),
      ...secrets,
    });
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    expect((await fake.messages("alerts")).map((m) => m.msg)).toEqual(["interpolated"]);
  });

  it("runs in demo mode without SLACKLINE_CONFIG: the demo hook delivers to the inbox page", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const demo = { SLACKLINE_CONFIG: undefined };
    const res = await callWorker(
      post(`/services/T0000000/B0000000/${DEMO_HOOK_TOKEN}`, { text: "Hello *demo*" }),
      demo,
    );
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    const page = await (await callWorker(new Request("http://localhost/"), demo)).text();
    expect(page).toContain(`http://localhost/services/T0000000/B0000000/${DEMO_HOOK_TOKEN}`);
    expect(page).toContain("demo");
    const inbox = (await (await callWorker(new Request("http://localhost/inbox.json"), demo)).json()) as Array<{
      msg: string;
    }>;
    expect(inbox.map((m) => m.msg)).toEqual(["Hello *demo*"]);
  });

  it("keeps response_url state in the isolate without the STATE binding", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addUser("alice", "alice-id");
    const bot = await remoteBot(testEnv.TEST_CONTROL_URL, "recorder");
    await bot.answer({ status: 200, body: "" });
    const outgoing = [
      { name: "cmd", rocketchatToken: RC_TOKEN, targets: [{ url: bot.url, format: "slash-command", command: "/cmd" }] },
    ];
    const gw = workerGateway(gatewayConfigJson(fake, { outgoing }), { STATE: undefined });
    const m = await seed(fake, "GENERAL", "run it");
    const event = {
      token: RC_TOKEN,
      bot: false,
      channel_id: "GENERAL",
      message_id: m._id,
      timestamp: m.ts,
      user_id: "alice-id",
      user_name: "alice",
      text: m.msg,
    };
    expect((await gw.post("/outgoing/cmd", JSON.stringify(event))).status).toBe(200);
    const url = new URLSearchParams((await bot.requests())[0]!.body).get("response_url")!;
    const respond = () => gw.post(new URL(url).pathname, JSON.stringify({ response_type: "in_channel", text: "done" }));
    for (let i = 0; i < 5; i++) expect((await respond()).status).toBe(200);
    expect((await respond()).status).toBe(410);
    expect((await fake.messages("GENERAL")).filter((x) => x.msg === "done")).toHaveLength(5);
  });

  it("answers unknown routes 404 not_found", async () => {
    const res = await exports.default.fetch("http://localhost/nope");
    expect([res.status, await res.text()]).toEqual([404, "not_found"]);
  });
});
