/**
 * The production build for Node (`npm run build:node`): one JavaScript file that runs on its
 * own — copied alone into an empty directory, no node_modules — delivers a webhook to
 * Rocket.Chat, needs no TypeScript type stripping, and idles in far less memory than the sources.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNode, type BuiltNode } from "../../scripts/build-node.ts";
import { ADMIN_TOKEN, FAST, hookPath, hooksConfig, tempDir, until } from "../delivery/harness.ts";
import { startCli } from "../support/cli.ts";
import { startFakeRocketChat } from "../support/fake-rocketchat.ts";

const temp = tempDir();
let built: BuiltNode;
/** The bundle, alone in its directory. */
let bundle: string;

beforeAll(async () => {
  built = await buildNode(join(temp.dir, "build"));
  const run = join(temp.dir, "run");
  mkdirSync(run);
  bundle = join(run, "slackline.mjs");
  copyFileSync(built.file, bundle);
});
afterAll(() => temp.remove());

describe("the Node bundle", () => {
  it("is one JavaScript file that imports nothing but Node's builtins", () => {
    const [output, ...others] = Object.entries(built.metafile.outputs).filter(([name]) => name.endsWith(".mjs"));
    expect(others).toEqual([]);
    const imports = output![1].imports.map((i) => i.path);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((path) => !isBuiltin(path))).toEqual([]);
    // `#upstream` resolved for Node (undici's pool), not for workerd.
    expect(Object.keys(output![1].inputs)).toContain("src/node/upstream.ts");
    expect(Object.keys(output![1].inputs)).not.toContain("src/http/upstream.fetch.ts");
    const text = readFileSync(bundle, "utf8");
    expect(text.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(text).toMatch(/\n\/\/# sourceMappingURL=slackline\.mjs\.map\n$/);
  });

  it("starts with type stripping switched off", () => {
    // Every module is evaluated before main() refuses the port: nothing left needs stripping.
    const run = spawnSync(process.execPath, ["--no-experimental-strip-types", bundle, "--port", "nope"], {
      cwd: temp.dir,
      encoding: "utf8",
    });
    expect(run.stderr).toMatch(/^port: must be a whole number/);
    expect(run.status).toBe(2);
  });

  it("copied alone into an empty directory, delivers an incoming webhook", async () => {
    const fake = await startFakeRocketChat();
    fake.addRoom({ name: "alerts" });
    const configPath = join(temp.dir, "config.json");
    const config = {
      rocketchat: { url: fake.url, userId: fake.userId, authToken: fake.authToken, timeoutMs: 2000 },
      incoming: hooksConfig(),
      delivery: { ...FAST, outboxPath: join(temp.dir, "outbox.sqlite") },
      admin: { token: ADMIN_TOKEN },
    };
    writeFileSync(configPath, JSON.stringify(config));
    const cli = await startCli(configPath, { entry: bundle, cwd: join(temp.dir, "run") });
    try {
      // Memory is measured by `npm run bench` (RSS of the bundle and of the sources), not here.

      const res = await fetch(cli.url + hookPath("h1"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Deploy *done*: <https://ci.example.com/run/42|run 42>", channel: "#alerts" }),
      });
      expect([res.status, await res.text()]).toEqual([200, "ok"]);
      await until(() => fake.messages.length === 1, "the message in Rocket.Chat");
      expect(fake.messages[0]!.msg).toBe("Deploy *done*: [run 42](https://ci.example.com/run/42)");
    } finally {
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      await fake.close();
    }
  });
});
