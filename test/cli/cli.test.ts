/**
 * The first hour with the CLI, as a real process: `--help`, `--version`, the Node check on an
 * older Node, `check` and `check --probe` against the fake Rocket.Chat, the start-up lines, one
 * log line per refused request naming hook, code and reason (never the token), `/metrics`, and
 * SIGHUP draining like SIGTERM.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { tempDir, until } from "../delivery/harness.ts";
import { killAll, startCli, type Cli } from "../support/cli.ts";
import { startFakeRocketChat, type FakeRocketChat } from "../support/fake-rocketchat.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const TOKEN = "alerts-token-0123456789abcdef";
const temp = tempDir();
let fake: FakeRocketChat | undefined;
const clis: Cli[] = [];
afterAll(() => temp.remove());
afterEach(async () => {
  await killAll(clis);
  await fake?.close();
  fake = undefined;
});

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["bin/slackline.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, SLACKLINE_CONFIG: "", ...env },
  });

/** Async: the fake Rocket.Chat runs in this process and must keep answering. */
async function runAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/slackline.js", ...args], {
      cwd: ROOT,
      env: { ...process.env, SLACKLINE_CONFIG: "" },
    });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function writeConfig(name: string, config: unknown): string {
  const path = join(temp.dir, `${name}.json`);
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config));
  return path;
}

const hook = { name: "alerts", token: TOKEN, channel: "#alerts" };

describe("usage", () => {
  it("src/version.ts says package.json's version", async () => {
    expect((await import("../../src/version.ts")).VERSION).toBe(VERSION);
  });

  it.each(["--help", "-h"])("%s prints the usage and exits 0", (flag) => {
    const r = run([flag]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("slackline check [--config FILE] [--probe]");
    expect(r.stderr).toBe("");
  });

  it.each(["--version", "-v"])("%s prints the version from package.json and exits 0", (flag) => {
    const r = run([flag]);
    expect([r.status, r.stdout]).toEqual([0, `${VERSION}\n`]);
  });

  it("an unknown option: one line, exit 2", () => {
    const r = run(["--bogus"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/Unknown option '--bogus'.*--help/)]);
  });
});

// Debian's Node is older than 24 on the machines this was written on; skipped where it is not.
const OLD_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find(
  (p) =>
    existsSync(p) &&
    Number(spawnSync(p, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).stdout) < 24,
);

describe.skipIf(!OLD_NODE)(`on an older Node (${OLD_NODE})`, () => {
  it.each([["bin/slackline.js", "--help"], ["bin/slackline.js"], ["scripts/test.mjs"], ["scripts/require-node.cjs"]])(
    "node %s says what it needs in one line and exits 1",
    (...args) => {
      const r = spawnSync(OLD_NODE!, args, { cwd: ROOT, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^slackline needs Node\.js 24 or newer, found v\d+\.\d+\.\d+: .*nvm.*npm install -g node@24.*distribution/,
      );
    },
  );
});

describe("slackline check", () => {
  it("a valid config: exit 0, what it sets up, no token", () => {
    const r = run(["check", "--config", writeConfig("valid", { incoming: [hook] })]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/valid\n/);
    expect(r.stdout).toContain('incoming hook "alerts" → #alerts');
    expect(r.stdout).toMatch(/warning: no rocketchat section: messages go only to the built-in in-memory inbox/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("SLACKLINE_CONFIG may hold the JSON itself", () => {
    const r = run(["check"], { SLACKLINE_CONFIG: JSON.stringify({ incoming: [hook] }) });
    expect([r.status, r.stdout.split("\n")[0]]).toEqual([0, "SLACKLINE_CONFIG: valid"]);
  });

  it("an invalid config: exit 2, one line per problem naming the key path and what is wrong", () => {
    const path = writeConfig("invalid", {
      rocketchat: { url: "https://chat.example.com", userId: "u", authtoken: "x" },
      incoming: [{ ...hook, allowChannelOverride: "yes", rateLimit: { perSecond: "1", burst: 10 } }],
    });
    const r = run(["check", "--config", path]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n").sort()).toEqual([
      "incoming[0].allowChannelOverride: must be true or false, not a string",
      "incoming[0].rateLimit.perSecond: must be a number, not a string",
      "rocketchat.authToken: is required",
      'rocketchat.authtoken: unknown key (did you mean "authToken"?)',
    ]);
  });

  it("no config, a missing file, bad JSON: exit 2 with one line", () => {
    expect(run(["check"]).stderr).toMatch(/^config: none given/);
    expect(run(["check"]).status).toBe(2);
    const missing = run(["check", "--config", join(temp.dir, "nope.json")]);
    expect([missing.status, missing.stderr.trim()]).toEqual([
      2,
      `config: cannot read ${join(temp.dir, "nope.json")}: no such file`,
    ]);
    const bad = run(["check", "--config", writeConfig("bad", '{\n  "incoming": [,]\n}')]);
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "config: not valid JSON at line 2, column 16"]);
  });

  it("--probe: asks Rocket.Chat who the user is and resolves each hook's room", async () => {
    fake = await startFakeRocketChat();
    fake.addRoom({ name: "alerts" });
    const rocketchat = { url: fake.url, userId: fake.userId, authToken: fake.authToken };
    const good = await runAsync([
      "check",
      "--probe",
      "--config",
      writeConfig("probe-ok", { rocketchat, incoming: [hook] }),
    ]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(`ok: rocketchat: ${fake.url} answers as @${fake.botUsername} (roles: bot)`);
    expect(good.stdout).toMatch(/ok: incoming\[0\] "alerts": #alerts resolves \(room id \w+\)/);
    expect(fake.calls["me"]).toBe(1);

    const rooms = await runAsync([
      "check",
      "--probe",
      "--config",
      writeConfig("probe-rooms", {
        rocketchat,
        incoming: [hook, { name: "ops", token: "ops-token-0123456789abcdef", channel: "#nowhere" }],
      }),
    ]);
    expect(rooms.status).toBe(3);
    expect(rooms.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^incoming\[1\] "ops": #nowhere: not found/),
    ]);

    const refused = await runAsync([
      "check",
      "--probe",
      "--config",
      writeConfig("probe-auth", { rocketchat: { ...rocketchat, authToken: "wrong" }, incoming: [hook] }),
    ]);
    expect(refused.status).toBe(3);
    expect(refused.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^rocketchat: ${fake.url} GET /api/v1/me: unauthorized \\(HTTP 401\\).*check rocketchat.userId and rocketchat.authToken`,
        ),
      ),
    ]);
    expect(refused.stderr).not.toContain("wrong");

    const url = fake.url;
    await fake.close();
    fake = undefined;
    const down = await runAsync([
      "check",
      "--probe",
      "--config",
      writeConfig("probe-down", { rocketchat, incoming: [hook] }),
    ]);
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(new RegExp(`^rocketchat: ${url} GET /api/v1/me: unavailable.*check rocketchat.url`));
  });
});

describe("the running gateway", () => {
  async function start(name: string, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<Cli> {
    const cli = await startCli(writeConfig(name, config), { env });
    clis.push(cli);
    return cli;
  }
  const post = (cli: Cli, body: unknown) =>
    fetch(`${cli.url}/services/T0/B0/${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("says at start what it runs, and per refused request which hook, which code and why", async () => {
    fake = await startFakeRocketChat();
    fake.addRoom({ name: "alerts" });
    const outboxPath = join(temp.dir, "logs.sqlite");
    const cli = await start("logs", {
      rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken },
      incoming: [hook],
      outgoing: [
        {
          name: "deploy",
          rocketchatToken: "rc-outgoing-token",
          channels: ["#ops"],
          triggerWords: ["!deploy"],
          targets: [{ url: "http://127.0.0.1:9/x", format: "outgoing-webhook" }],
        },
      ],
      delivery: { outboxPath },
    });
    const startup = cli.log.join("\n");
    expect(startup).toContain(`INFO slackline ${VERSION} on Node ${process.version}`);
    expect(startup).toContain(`delivering to Rocket.Chat at ${fake.url} as user id ${fake.userId}`);
    expect(startup).toContain(`outbox (messages accepted but not yet delivered): ${outboxPath}`);
    expect(startup).toContain("1 incoming hook, 0 bots, 1 outgoing rule");
    expect(startup).toContain('incoming hook "alerts" → #alerts');
    expect(startup).toContain('outgoing rule "deploy": #ops, prefix "!deploy" → outgoing-webhook http://127.0.0.1:9');

    expect((await post(cli, { text: "fine" })).status).toBe(200);
    expect((await post(cli, { text: "hi", channel: "#elsewhere" })).status).toBe(403);
    expect((await post(cli, { text: "" })).status).toBe(400);
    fake.room("alerts")!.archived = true;
    expect((await post(cli, { text: "to an archived room" })).status).toBe(410);
    const unknown = await fetch(`${cli.url}/services/T0/B0/not-a-token-at-all-0000`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
    await until(() => cli.log.some((l) => l.includes("code=no_service")), "the no_service line");

    const lines = cli.log.filter((l) => l.includes("POST /services/"));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          / WARN POST \/services\/:team\/:bot\/:token 403 [\d.]+ms hook=alerts code=action_prohibited reason=".*allowChannelOverride.*"$/,
        ),
        expect.stringMatching(
          / WARN POST \/services\/:team\/:bot\/:token 400 [\d.]+ms hook=alerts code=no_text reason="nothing to show/,
        ),
        expect.stringMatching(
          / WARN POST \/services\/:team\/:bot\/:token 410 [\d.]+ms hook=alerts code=channel_is_archived reason="delivery: .*archived/,
        ),
        expect.stringMatching(
          / WARN POST \/services\/:team\/:bot\/:token 404 [\d.]+ms hook=unknown code=no_service reason="no hook has this token"$/,
        ),
      ]),
    );
    expect(cli.log.join("\n")).not.toContain(TOKEN);

    const metrics = await (await fetch(`${cli.url}/metrics`)).text();
    expect(metrics).toContain(`slackline_build_info{version="${VERSION}"} 1`);
    expect(metrics).toContain('slackline_answers_total{code="ok",hook="alerts"} 1');
    expect(metrics).toContain('slackline_answers_total{code="action_prohibited",hook="alerts"} 1');
    expect(metrics).toContain('slackline_answers_total{code="no_service",hook="unknown"} 1');
    expect(metrics).toContain('slackline_deliveries_total{hook="alerts",outcome="delivered"} 1');
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total [\d.e-]+$/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_max_seconds [\d.e-]+$/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_mean_seconds [\d.e-]+$/m);
    expect(metrics).toMatch(/^slackline_open_connections [1-9]\d*$/m);
  });

  it("LOG_FORMAT=json: one JSON object per line", async () => {
    const cli = await start("json", { incoming: [hook] }, { LOG_FORMAT: "json" });
    await post(cli, { text: "", channel: "#x" });
    await until(() => cli.log.some((l) => l.includes('"code"')), "the refusal line");
    const objects = cli.log.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.length).toBe(cli.log.length);
    expect(objects).toContainEqual(
      expect.objectContaining({ level: "warn", msg: expect.stringContaining("no rocketchat section") }),
    );
    expect(objects).toContainEqual(
      expect.objectContaining({
        level: "warn",
        hook: "alerts",
        code: "action_prohibited",
        msg: expect.stringMatching(/^POST \/services\/:team\/:bot\/:token 403/),
      }),
    );
  });

  it("Rocket.Chat refusing the credentials is an ERROR line once, not a silent retry", async () => {
    fake = await startFakeRocketChat();
    fake.addRoom({ name: "alerts" });
    const cli = await start("auth", {
      rocketchat: { url: fake.url, userId: fake.userId, authToken: "not-the-token" },
      incoming: [hook],
      delivery: {
        outboxPath: join(temp.dir, "auth.sqlite"),
        fastPathMs: 200,
        retryBaseMs: 50,
        retryMaxMs: 100,
        pollMs: 20,
      },
    });
    expect((await post(cli, { text: "one" })).status).toBe(200);
    expect((await post(cli, { text: "two" })).status).toBe(200);
    // Delivery holds every room and probes `GET /me` until the credentials work again.
    await until(() => (fake!.calls["me"] ?? 0) >= 3, "a few probes");
    const errors = cli.log.filter((l) => / ERROR Rocket\.Chat refuses the credentials \(HTTP 401\)/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("check rocketchat.userId and rocketchat.authToken");
    expect(cli.log.join("\n")).not.toContain("not-the-token");
  });

  it("SIGHUP drains like SIGTERM: the request in flight is answered and delivered, then exit 0", async () => {
    fake = await startFakeRocketChat();
    fake.addRoom({ name: "alerts" });
    fake.faults.delayMs = 400;
    const cli = await start("hup", {
      rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken },
      incoming: [hook],
      delivery: { outboxPath: join(temp.dir, "hup.sqlite"), fastPathMs: 5000, shutdownGraceMs: 5000 },
    });
    const answer = post(cli, { text: "in flight" });
    await until(
      () => (fake!.calls["chat.sendMessage"] ?? 0) + (fake!.calls["rooms.info"] ?? 0) > 0,
      "the request to reach Rocket.Chat",
    );
    cli.child.kill("SIGHUP");
    const res = await answer;
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    expect(await cli.exited).toBe(0);
    expect(cli.log.join("\n")).toMatch(/INFO SIGHUP: closing/);
    expect(fake.messagesIn("alerts").map((m) => m.msg)).toEqual(["in flight"]);
  });
});
