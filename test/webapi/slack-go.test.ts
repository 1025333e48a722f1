/**
 * A client from another language: slack-go 0.11.3 (Debian's golang-github-slack-go-slack-dev)
 * with `OptionAPIURL` pointed at slackline, built from test/compat/slack-go/main.go. Skipped
 * where Go or the package is missing.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";
import { configFor, slackline } from "../outgoing/harness.ts";

const run = promisify(execFile);
const GOPATH = "/usr/share/gocode";
const SOURCE = new URL("../compat/slack-go/main.go", import.meta.url).pathname;
const goAvailable = (() => {
  if (!existsSync(join(GOPATH, "src/github.com/slack-go/slack/slack.go"))) return false;
  try {
    return existsSync("/usr/bin/go") || existsSync("/usr/lib/go/bin/go");
  } catch {
    return false;
  }
})();

const TOKEN = "xoxb-slack-go-bot-token-001";
let fake: FakeRocketChat;
let server: { url: string; close(): Promise<void> };
let dir: string;

beforeAll(async () => {
  fake = await startFakeRocketChat();
  fake.addRoom({ name: "ops", id: "OPS" });
  fake.addUser("alice", "alice-id", { email: "alice@example.com" });
  server = await slackline(
    configFor(fake, { bots: [{ name: "go", token: TOKEN, rateLimit: { perSecond: 100, burst: 100 } }] }),
  ).listen();
  dir = mkdtempSync(join(tmpdir(), "slackline-slack-go-"));
});
afterAll(async () => {
  await server.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("slack-go", () => {
  it.skipIf(!goAvailable)(
    "posts, edits, threads, reacts, looks up, uploads and deletes through slackline",
    async () => {
      const binary = join(dir, "slackgo");
      const env = { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOCACHE: join(dir, "cache") };
      await run("go", ["build", "-o", binary, SOURCE], { env, cwd: dir, timeout: 240_000 });
      const { stdout } = await run(binary, [], {
        env: { SLACK_TOKEN: TOKEN, SLACK_API_URL: `${server.url}/api/` },
        timeout: 30_000,
      });
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        auth: { bot_id: expect.stringMatching(/^B/) },
        post: { channel: expect.stringMatching(/^C/), ts: expect.stringMatching(/^\d+\.\d{6}$/) },
        update: "Deploy *finished*",
        reply: true,
        react: "ok",
        info: { name: "ops", is_channel: true },
        user: "alice",
        file: "build.log",
        delete: "ok",
        delete_again: "error: message_not_found",
      });
      const [root, file] = fake.messagesIn("OPS");
      expect(root).toMatchObject({
        msg: "Deploy *finished*",
        alias: "deploybot",
        attachments: [{ color: "#2eb886", title: "api", text: "done" }],
      });
      expect(root!["reactions"]).toEqual({ ":rocket:": { usernames: [fake.botUsername] } });
      expect(file).toMatchObject({ msg: "the log", attachments: [{ title: "build.log" }] });
      expect([...fake.uploads.values()][0]!.bytes.toString()).toBe("line 1\nline 2\n");
    },
    300_000,
  );
});
