/**
 * Every error code the Web API answers, through HTTP, with the status Slack gives it; the
 * argument reader's mixes (query, form, JSON, multipart) and its property tests; and a restart
 * between `chat.postMessage` and `chat.update` (the ts map re-opened from its SQLite file).
 */
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toSlackChannelId, toSlackUserId } from "../../src/slack/ids.ts";
import { SqliteTsStore } from "../../src/node/ts-map-sqlite.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { configFor, slackline, type Slackline } from "../outgoing/harness.ts";

const TOKEN = "xoxb-errors-bot-token-000001";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const FORM = { ...AUTH, "Content-Type": "application/x-www-form-urlencoded" };
const JSON_TYPE = { ...AUTH, "Content-Type": "application/json" };

let fake: FakeRocketChat;
let sl: Slackline;
let dir: string;

const bots = [{ name: "errors", token: TOKEN, rateLimit: { perSecond: 1000, burst: 1000 } }];

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "ops", id: "OPS" });
  fake.addRoom({ name: "old", id: "OLD", archived: true });
  fake.addRoom({ name: "secret", id: "SECRET", type: "p", member: false });
  fake.addUser("bob", "bob-id");
  dir = mkdtempSync(join(tmpdir(), "slackline-webapi-"));
  sl = slackline(configFor(fake, { bots, limits: { maxBodyBytes: 4096 } }));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

async function call(
  method: string,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit; query?: string } = {},
  app = sl,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const url = `http://slackline.test/api/${method}${init.query ? `?${init.query}` : ""}`;
  const res = await app.app.request(url, {
    method: init.method ?? "POST",
    headers: init.headers ?? FORM,
    ...(init.body !== undefined && { body: init.body }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    retryAfter: res.headers.get("retry-after"),
  };
}

const post = async (body: string) => (await call("chat.postMessage", { body })).body;
const err = (error: string) => ({ ok: false, error });

describe("error codes", () => {
  it("auth: not_authed, invalid_auth, unknown_method (HTTP 200)", async () => {
    expect(await call("chat.postMessage", { headers: {}, body: "channel=OPS&text=x" })).toMatchObject({
      status: 200,
      body: err("not_authed"),
    });
    expect(await call("auth.test", { headers: { Authorization: "Bearer xoxb-nope" } })).toMatchObject({
      status: 200,
      body: err("invalid_auth"),
    });
    expect(await call("auth.test", { headers: {}, query: "token=xoxb-nope" })).toMatchObject({
      body: err("invalid_auth"),
    });
    expect(await call("auth.test", { headers: {}, query: `token=${TOKEN}` })).toMatchObject({ body: { ok: true } });
    expect(await call("chat.scheduleMessage")).toMatchObject({ status: 200, body: err("unknown_method") });
    expect(await call("__proto__")).toMatchObject({ status: 200, body: err("unknown_method") });
  });

  it("bodies: invalid_json, invalid_form_data, request_too_large", async () => {
    expect((await call("chat.postMessage", { headers: JSON_TYPE, body: "{nope" })).body).toEqual(err("invalid_json"));
    expect((await call("chat.postMessage", { headers: JSON_TYPE, body: "[1]" })).body).toEqual(err("invalid_json"));
    expect(
      (await call("chat.postMessage", { headers: { ...AUTH, "Content-Type": "application/xml" }, body: "<x/>" })).body,
    ).toEqual(err("invalid_form_data"));
    expect(
      (
        await call("chat.postMessage", {
          headers: { ...AUTH, "Content-Type": "multipart/form-data; boundary=x" },
          body: "garbage",
        })
      ).body,
    ).toEqual(err("invalid_form_data"));
    expect((await call("chat.postMessage", { body: `channel=OPS&text=${"x".repeat(5000)}` })).body).toEqual(
      err("request_too_large"),
    );
  });

  it("chat.postMessage: channel_not_found, no_text, invalid_*_format, too_many_attachments, is_archived, restricted_action", async () => {
    expect(await post("text=no+channel")).toEqual(err("channel_not_found"));
    expect(await post("channel=%23nowhere&text=hi")).toEqual(err("channel_not_found"));
    expect(await post("channel=OPS")).toEqual(err("no_text"));
    expect(await post("channel=OPS&text=x&blocks=%5Bnot+json")).toEqual(err("invalid_blocks_format"));
    expect(await post("channel=OPS&text=x&attachments=%7Bnot")).toEqual(err("invalid_attachments"));
    const many = encodeURIComponent(JSON.stringify(Array.from({ length: 101 }, () => ({ text: "a" }))));
    expect(
      (
        await call(
          "chat.postMessage",
          { headers: FORM, body: `channel=OPS&attachments=${many}` },
          slackline(configFor(fake, { bots })),
        )
      ).body,
    ).toEqual(err("too_many_attachments"));
    expect(await post("channel=%23old&text=hi")).toEqual(err("is_archived"));
    expect(await post("channel=SECRET&text=hi")).toEqual(err("restricted_action"));
    fake.faults.reject = () => "error-action-not-allowed";
    expect(await post("channel=OPS&text=hi")).toEqual(err("restricted_action"));
    expect(fake.messages).toEqual([]);
  });

  it("ratelimited with Retry-After (Rocket.Chat's 429), service_unavailable when it is down", async () => {
    fake.faults.rateLimitNext = 1;
    fake.faults.rateLimitSeconds = 7;
    const limited = await call("chat.postMessage", { body: "channel=OPS&text=later" });
    expect(limited).toMatchObject({ status: 429, body: err("ratelimited") });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(6);
    await fake.setDown(true);
    try {
      expect(await call("chat.postMessage", { body: "channel=OPS&text=down" })).toMatchObject({
        status: 503,
        body: err("service_unavailable"),
      });
    } finally {
      await fake.setDown(false);
    }
  });

  it("chat.update / chat.delete: message_not_found, cant_update_message, cant_delete_message, msg_too_long", async () => {
    const posted = await post("channel=OPS&text=v1");
    const { channel, ts } = posted as { channel: string; ts: string };
    expect((await call("chat.update", { body: `channel=${channel}&ts=1.000001&text=x` })).body).toEqual(
      err("message_not_found"),
    );
    expect(
      (await call("chat.update", { body: `channel=${toSlackChannelId("GENERAL")}&ts=${ts}&text=x` })).body,
    ).toEqual(err("message_not_found"));
    expect((await call("chat.update", { body: `channel=${channel}&ts=${ts}` })).body).toEqual(err("no_text"));
    expect(
      (
        await call(
          "chat.update",
          { body: `channel=${channel}&ts=${ts}&text=${"y".repeat(5001)}` },
          slackline(configFor(fake, { bots }), { tsStore: sl.services.outgoing.ts }),
        )
      ).body,
    ).toEqual(err("msg_too_long"));
    fake.message(fake.messages[0]!._id)!.u = { _id: "someone", username: "someone", name: "someone" };
    expect(
      (
        await call("chat.update", {
          body: `channel=${channel}&ts=${ts}&text=x&attachments=%5B%7B%22text%22%3A%22a%22%7D%5D`,
        })
      ).body,
    ).toEqual(err("cant_update_message"));
    expect((await call("chat.update", { body: `channel=${channel}&ts=${ts}&text=plain` })).body).toEqual(
      err("cant_update_message"),
    );
    expect((await call("chat.delete", { body: `channel=${channel}&ts=${ts}` })).body).toEqual(
      err("cant_delete_message"),
    );
    expect(fake.messages).toHaveLength(1);
    expect((await call("chat.delete", { body: `channel=${channel}&ts=1.000001` })).body).toEqual(
      err("message_not_found"),
    );
    expect((await call("chat.delete", { body: `ts=${ts}` })).body).toEqual(err("channel_not_found"));
  });

  it("reactions, users, files: their own codes", async () => {
    const { channel, ts } = (await post("channel=OPS&text=r")) as { channel: string; ts: string };
    expect((await call("reactions.add", { body: `channel=${channel}&timestamp=${ts}` })).body).toEqual(
      err("invalid_name"),
    );
    expect((await call("reactions.add", { body: `channel=${channel}&timestamp=${ts}&name=nope_nope` })).body).toEqual(
      err("invalid_name"),
    );
    expect((await call("reactions.remove", { body: `channel=${channel}&timestamp=${ts}&name=eyes` })).body).toEqual(
      err("no_reaction"),
    );
    expect((await call("users.info", { body: `user=${toSlackUserId("ghost")}` })).body).toEqual(err("user_not_found"));
    expect((await call("users.lookupByEmail", { body: "email=ghost%40example.com" })).body).toEqual(
      err("users_not_found"),
    );
    expect((await call("chat.postEphemeral", { body: `channel=OPS&text=x` })).body).toEqual(err("user_not_in_channel"));
    expect((await call("files.upload", { body: "channels=OPS" })).body).toEqual(err("no_file_data"));
    expect((await call("files.getUploadURLExternal", { body: "filename=a.txt" })).body).toEqual(
      err("invalid_arguments"),
    );
    expect(
      (await call("files.getUploadURLExternal", { body: `filename=a.txt&length=${100 * 1024 * 1024}` })).body,
    ).toEqual(err("file_too_large"));
    expect(
      (
        await call("files.completeUploadExternal", {
          body: `files=${encodeURIComponent('[{"id":"F000"}]')}&channel_id=OPS`,
        })
      ).body,
    ).toEqual(err("file_not_found"));
    expect((await call("files.completeUploadExternal", { body: "files=%5B%5D" })).body).toEqual(
      err("invalid_arguments"),
    );
  });
});

describe("without a Rocket.Chat server (demo inbox)", () => {
  it("posts to the inbox; what needs Rocket.Chat's REST API answers not_supported", async () => {
    const demo = slackline(configFor(undefined, { bots }));
    const posted = await call("chat.postMessage", { body: "channel=%23general&text=hello" }, demo);
    expect(posted.body).toMatchObject({ ok: true });
    expect(demo.services.inbox?.recent().map((m) => m.msg)).toEqual(["hello"]);
    for (const method of ["chat.update", "chat.delete", "reactions.add", "conversations.list", "users.info"])
      expect(
        (
          await call(
            method,
            { body: `channel=%23general&ts=${String(posted.body["ts"])}&user=x&name=eyes&timestamp=1` },
            demo,
          )
        ).body,
      ).toEqual(err("not_supported"));
    expect((await call("chat.postMessage", { body: "channel=%23general&text=x&metadata=%7Bbad" }, demo)).body).toEqual(
      err("invalid_metadata_format"),
    );
  });
});

describe("arguments as Slack reads them", () => {
  it("GET with attachments as a JSON string in the query (slack-node's api(), log4js)", async () => {
    const attachments = encodeURIComponent(JSON.stringify([{ color: "good", text: "from the query" }]));
    const res = await call("chat.postMessage", {
      method: "GET",
      headers: AUTH,
      query: `channel=OPS&attachments=${attachments}&mrkdwn=1`,
    });
    expect(res.body).toMatchObject({ ok: true });
    expect(fake.messagesIn("OPS")[0]!.attachments).toMatchObject([{ color: "#2eb886", text: "from the query" }]);
  });

  it("a query, a JSON body and a multipart form mix; the body wins; booleans as true/1", async () => {
    const mixed = await call("chat.postMessage", {
      headers: JSON_TYPE,
      query: `channel=GENERAL&token=${TOKEN}`,
      body: JSON.stringify({ channel: "OPS", text: "json", unfurl_links: "1" }),
    });
    expect(mixed.body).toMatchObject({ ok: true });
    const form = new FormData();
    form.set("channel", "OPS");
    form.set("text", "multipart");
    form.set("blocks", JSON.stringify([{ type: "section", text: { type: "mrkdwn", text: "*blocks*" } }]));
    const multi = await call("chat.postMessage", { headers: AUTH, query: "unfurl_links=true", body: form });
    expect(multi.body).toMatchObject({ ok: true });
    expect(fake.messagesIn("OPS").map((m) => [m.msg, m.parseUrls])).toEqual([
      ["json", true],
      ["*blocks*", true],
    ]);
  });

  it("channel as #name, a handed-out id, a room id, @user and a user id (→ the DM)", async () => {
    const bob = toSlackUserId("bob-id");
    const forms = ["#ops", toSlackChannelId("OPS"), "OPS", "@bob", bob];
    for (const [i, channel] of forms.entries()) {
      expect((await post(`channel=${encodeURIComponent(channel)}&text=form${i}`)) as object).toMatchObject({
        ok: true,
      });
    }
    expect(fake.messagesIn("OPS").map((m) => m.msg)).toEqual(["form0", "form1", "form2"]);
    expect(fake.messagesIn("@bob").map((m) => m.msg)).toEqual(["form3", "form4"]);
  });

  it("property: any mix of query, form and JSON never crashes and never answers 5xx", async () => {
    const key = fc.constantFrom(
      "channel",
      "text",
      "attachments",
      "blocks",
      "thread_ts",
      "ts",
      "name",
      "user",
      "email",
      "files",
      "__proto__",
      "constructor",
      "token",
      "reply_broadcast",
      "mrkdwn",
    );
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom("OPS", "#ops", "[]", "[{}]", "{}", "null", "1", "true", '[{"type":"section"}]'),
      fc.json(),
    );
    const entries = fc.array(fc.tuple(key, value), { maxLength: 6 });
    const method = fc.constantFrom(
      "chat.postMessage",
      "chat.update",
      "chat.delete",
      "reactions.add",
      "conversations.info",
      "users.info",
      "files.upload",
      "files.completeUploadExternal",
      "auth.test",
    );
    const kind = fc.constantFrom("json", "form", "none", "text", "multipart");
    await fc.assert(
      fc.asyncProperty(method, entries, entries, kind, fc.boolean(), async (name, query, body, type, bearer) => {
        const search = new URLSearchParams(query).toString();
        const headers: Record<string, string> = bearer ? { ...AUTH } : {};
        let payload: BodyInit | undefined;
        if (type === "json") {
          headers["Content-Type"] = "application/json";
          payload = JSON.stringify(Object.fromEntries(body));
        } else if (type === "form") {
          headers["Content-Type"] = "application/x-www-form-urlencoded";
          payload = new URLSearchParams([
            ...body,
            ...(bearer ? [] : [["token", TOKEN] as [string, string]]),
          ]).toString();
        } else if (type === "text") {
          headers["Content-Type"] = "text/plain";
          payload = body.map(([k, v]) => `${k}=${v}`).join("&");
        } else if (type === "multipart") {
          const form = new FormData();
          for (const [k, v] of body) form.append(k, v);
          payload = form;
        }
        const res = await sl.app.request(`http://slackline.test/api/${name}${search ? `?${search}` : ""}`, {
          method: "POST",
          headers,
          ...(payload !== undefined && { body: payload }),
        });
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as { ok: boolean; error?: string };
        expect(typeof answer.ok).toBe("boolean");
        if (!answer.ok) expect(answer.error).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 150 },
    );
  });
});

describe("a restart between chat.postMessage and chat.update", () => {
  it("finds the message through the ts map re-opened from its SQLite file", async () => {
    const path = join(dir, "slack-ts.sqlite");
    const first = new SqliteTsStore(path);
    const before = slackline(configFor(fake, { bots }), { tsStore: first });
    const posted = (await call("chat.postMessage", { body: "channel=OPS&text=before" }, before)).body as {
      channel: string;
      ts: string;
    };
    expect(posted).toMatchObject({ ok: true });
    first.close();

    const second = new SqliteTsStore(path);
    const after = slackline(configFor(fake, { bots }), { tsStore: second });
    try {
      const updated = await call(
        "chat.update",
        { body: `channel=${posted.channel}&ts=${posted.ts}&text=after` },
        after,
      );
      expect(updated.body).toMatchObject({ ok: true, ts: posted.ts });
      const threaded = await call(
        "chat.postMessage",
        { body: `channel=${posted.channel}&text=reply&thread_ts=${posted.ts}` },
        after,
      );
      expect(threaded.body).toMatchObject({ ok: true });
      expect(fake.messagesIn("OPS").map((m) => [m.msg, m.tmid])).toEqual([
        ["after", undefined],
        ["reply", fake.messagesIn("OPS")[0]!._id],
      ]);
      expect(
        (await call("chat.delete", { body: `channel=${posted.channel}&ts=${posted.ts}` }, after)).body,
      ).toMatchObject({ ok: true });
    } finally {
      second.close();
    }
  });
});
