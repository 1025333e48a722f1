/**
 * deploy/slackline.service is a unit systemd accepts as written: `systemd-analyze verify` has
 * nothing to say about it (it warns, and still exits 0, for an unknown key or a bad value, so the
 * test reads its output). Its node and checkout paths are pointed at this machine's first.
 * Skipped where systemd is not installed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../delivery/harness.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const UNIT = readFileSync(join(ROOT, "deploy/slackline.service"), "utf8");
const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const hasSystemd = analyze.status === 0;
const temp = tempDir();
afterAll(() => temp.remove());

function verify(name: string, text: string): { status: number | null; output: string } {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "slackline.service");
  writeFileSync(file, text.replaceAll("/usr/bin/node", process.execPath).replaceAll("/opt/slackline", ROOT));
  const r = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
  return { status: r.status, output: (r.stdout + r.stderr).trim() };
}

describe("deploy/slackline.service", () => {
  it("has what a service needs: its own user, a state directory, hardening, an [Install] section", () => {
    for (const line of [
      "DynamicUser=yes",
      "StateDirectory=slackline",
      "ProtectSystem=strict",
      "NoNewPrivileges=yes",
      "WantedBy=multi-user.target",
    ])
      expect(UNIT).toContain(`\n${line}\n`);
    expect(UNIT).toMatch(/^\[Unit\]$[\s\S]*^\[Service\]$[\s\S]*^\[Install\]$/m);
    expect(UNIT).toMatch(/^ExecStartPre=\/usr\/bin\/node \S+ check --config /m);
  });

  it.skipIf(!hasSystemd)("passes systemd-analyze verify without a word", () => {
    expect(verify("as-is", UNIT)).toEqual({ status: 0, output: "" });
  });

  it.skipIf(!hasSystemd)("(and verify does speak up about a mistake)", () => {
    const broken = verify("broken", UNIT.replace("DynamicUser=yes", "DynamicUser=yes\nDynamicUsr=yes"));
    expect(broken.output).toMatch(/Unknown key 'DynamicUsr' in section \[Service\]/);
  });
});
