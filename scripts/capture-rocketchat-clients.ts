/**
 * Captures what real Rocket.Chat-webhook senders put on the wire, into compat-fixtures/client-*:
 * `npx tsx scripts/capture-rocketchat-clients.ts`. Each sender (test/support/rocketchat-clients.ts)
 * posts to a local server that answers as Rocket.Chat does (`{"success":true}`); the request's
 * content type and body bytes become `input.json`, and what slackline makes of them
 * `expected.json`. Read every changed expected.json before committing (as for fixtures:update).
 * Senders missing on this machine are skipped, and their fixtures are left as they are.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { produce, writeFixture, type FixtureInput } from "../test/support/fixtures.ts";
import {
  hasApprise,
  hasCurl,
  hasPython,
  hasSymfony,
  runAnsible,
  runApprise,
  runNetdata,
  runSymfony,
  type AnsibleParams,
  type NetdataAlarm,
  type Run,
} from "../test/support/rocketchat-clients.ts";

interface Captured {
  readonly path: string;
  readonly contentType: string | null;
  readonly body: string;
}

const captured: Captured[] = [];
const server = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    captured.push({
      path: req.url ?? "",
      contentType: req.headers["content-type"] ?? null,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
const ID_TOKEN = "rcwebhookid/rcwebhooktoken";
const hookUrl = `http://${host}/hooks/${ID_TOKEN}`;

/** Runs one sender and keeps the one request it made as fixture `name`. */
async function capture(name: string, source: string, send: () => Promise<Run>): Promise<void> {
  const before = captured.length;
  const result = await send();
  const requests = captured.slice(before);
  if (result.code !== 0 || requests.length !== 1)
    throw new Error(`${name}: exit ${result.code}, ${requests.length} request(s)\n${result.output}`);
  const [req] = requests;
  if (!req!.path.endsWith(`/hooks/${ID_TOKEN}`)) throw new Error(`${name}: posted to ${req!.path}`);
  const input: FixtureInput = { source, route: "rocketchat", contentType: req!.contentType, body: req!.body };
  writeFixture(name, input, await produce(input));
  console.log(`wrote ${name}`);
}

if (hasApprise) {
  const version = "apprise 1.2.0 (Debian)";
  await capture("client-apprise-rocket-1", `${version}: rocket://ID/TOKEN@host/#general, -t title -b body`, () =>
    runApprise(
      `rocket://${ID_TOKEN}@${host}/#general`,
      "Build failed",
      "Job *nightly* failed: [details](https://ci.example/1) <https://ci.example/1/log|log>",
    ),
  );
  await capture("client-apprise-rocket-2", `${version}: rocket://ID/TOKEN@host/@alice?avatar=no`, () =>
    runApprise(`rocket://${ID_TOKEN}@${host}/@alice?avatar=no`, "", "Backup done"),
  );
}

if (hasSymfony) {
  const version = "symfony/rocket-chat-notifier 5.4 (Debian php-symfony-rocket-chat-notifier)";
  await capture("client-symfony-rocketchat-1", `${version}: ChatMessage, DSN ?channel=#general`, () =>
    runSymfony(host, ID_TOKEN, "#general", "Deploy *finished* on <https://ci.example/42|build 42>"),
  );
  await capture("client-symfony-rocketchat-2", `${version}: ChatMessage with RocketChatOptions (one attachment)`, () =>
    runSymfony(host, ID_TOKEN, "#general", "Disk almost full", {
      color: "danger",
      title: "Disk full",
      title_link: "https://grafana.example/d/1",
      text: "/var at *97%*",
      fields: [
        { title: "used", value: 97, short: true },
        { title: "host", value: "" },
      ],
      ts: 1700000000,
      collapsed: true,
    }),
  );
}

if (hasCurl) {
  const source = "netdata alarm-notify.sh send_rocketchat (its JSON template, posted with curl)";
  const alarm: NetdataAlarm = {
    host: "web-1",
    status: "WARNING",
    statusMessage: "needs attention",
    chart: "system.cpu",
    alarm: "10min cpu usage = 97%",
    info: "average CPU utilization over the last 10 minutes",
    when: 1700000000,
    channel: "general",
  };
  await capture("client-netdata-1", `${source}: WARNING`, () => runNetdata(hookUrl, alarm));
  await capture("client-netdata-2", `${source}: CLEAR`, () =>
    runNetdata(hookUrl, {
      ...alarm,
      status: "CLEAR",
      statusMessage: "recovered",
      alarm: "10min cpu usage (alarm was raised for 5 minutes)",
    }),
  );
}

if (hasPython) {
  const source = "Ansible community.general.rocketchat (its payload, json.dumps + urllib as fetch_url)";
  const cases: Array<[string, AnsibleParams]> = [
    ["defaults, is_pre740 (payload= form)", { msg: "web-1 completed", channel: "general" }],
    ["color good, empty username and icon_url", { msg: "web-1 is alive!", color: "good", username: "", icon_url: "" }],
    [
      "attachments, is_pre740: false (JSON)",
      {
        is_pre740: false,
        attachments: [
          {
            text: "Display my system load on host A and B",
            color: "#ff00dd",
            title: "System load",
            fields: [
              { title: "System A", value: "load average: 0,74, 0,66, 0,63", short: true },
              { title: "System B", value: "load average: 5,16, 4,64, 2,43", short: true },
            ],
          },
        ],
      },
    ],
  ];
  let n = 0;
  for (const [what, params] of cases)
    await capture(`client-ansible-rocketchat-${++n}`, `${source}: ${what}`, () => runAnsible(hookUrl, params));
}

server.close();
