/**
 * Slack's Web API on the Worker, through the same app factory: a bot token posts, and a gateway
 * built afresh (another isolate's view: nothing in memory) finds the message by its ts in the
 * `STATE` Durable Object to thread under it, edit it (attachments included) and delete it.
 */
import { describe, expect, it } from "vitest";
import { remoteFake } from "../contract/remote.ts";
import { callWorker, testEnv } from "./support.ts";

const TOKEN = "xoxb-worker-bot-token-00001";

describe("the Web API on the Worker", () => {
  it("posts, threads, edits and deletes across gateways through the Durable Object's ts map", async () => {
    const fake = await remoteFake(testEnv.TEST_CONTROL_URL);
    await fake.addRoom({ name: "ops", id: "OPS" });
    const config = JSON.stringify({
      rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken },
      bots: [{ name: "ci", token: TOKEN, channels: ["#ops"] }],
    });
    const api = async (method: string, body: string, isolate: string) => {
      const res = await callWorker(
        new Request(`http://localhost/api/${method}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/x-www-form-urlencoded" },
          body,
        }),
        // A var the config does not use: a new value builds a new gateway (fresh memory).
        { SLACKLINE_CONFIG: config, TEST_ISOLATE: isolate },
      );
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown> & {
        ok: boolean;
        channel?: string;
        ts?: string;
        error?: string;
      };
    };

    const posted = await api("chat.postMessage", "channel=%23ops&text=build+started", "a");
    expect(posted).toMatchObject({ ok: true, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(await api("chat.postMessage", "channel=GENERAL&text=no", "a")).toEqual({
      ok: false,
      error: "channel_not_found",
    });

    const reply = await api("chat.postMessage", `channel=${posted.channel}&text=step+1&thread_ts=${posted.ts}`, "b");
    expect(reply.ok).toBe(true);
    const attachments = encodeURIComponent(JSON.stringify([{ color: "good", text: "passed" }]));
    const updated = await api(
      "chat.update",
      `channel=${posted.channel}&ts=${posted.ts}&text=build+done&attachments=${attachments}`,
      "c",
    );
    expect(updated).toMatchObject({ ok: true, ts: posted.ts });
    const [root, threaded] = (await fake.messages("ops")) as Array<{
      _id: string;
      msg: string;
      tmid?: string;
      attachments?: Array<Record<string, unknown>>;
    }>;
    expect(root).toMatchObject({ msg: "build done", attachments: [{ color: "#2eb886", text: "passed" }] });
    expect(threaded).toMatchObject({ msg: "step 1", tmid: root!._id });

    expect(await api("chat.delete", `channel=${posted.channel}&ts=${reply.ts}`, "d")).toMatchObject({ ok: true });
    expect(((await fake.messages("ops")) as unknown[]).length).toBe(1);
    expect(await api("nope.method", "", "d")).toEqual({ ok: false, error: "unknown_method" });
  });
});
