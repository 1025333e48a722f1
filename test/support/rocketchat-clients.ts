/**
 * Real senders of Rocket.Chat's own incoming-webhook payload, run on this machine:
 * - apprise's `rocket://ID/TOKEN@host` (Debian `apprise`);
 * - Symfony Notifier's RocketChat bridge (Debian `php-symfony-rocket-chat-notifier`, driven by
 *   test/clients/symfony-rocketchat.php);
 * - netdata's alarm-notify.sh `send_rocketchat`: its JSON template, filled in for one alarm and
 *   posted with curl exactly as the script does (`curl -X POST -H "Content-Type: application/json"
 *   --data "${payload}" URL`);
 * - Ansible's `community.general.rocketchat` module: the payload its `build_payload_for_rocketchat`
 *   builds, serialised by Python's json (what `module.jsonify` calls) and posted with urllib (what
 *   `fetch_url` uses), in both of its formats (`is_pre740`: `payload=` + JSON, the default; or the
 *   bare JSON).
 * Used by scripts/capture-rocketchat-clients.ts (bytes into compat-fixtures/) and by the live test.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const APPRISE = "/usr/bin/apprise";
export const PHP = "/usr/bin/php";
const SYMFONY_BRIDGE = "/usr/share/php/Symfony/Component/Notifier/Bridge/RocketChat/RocketChatTransport.php";
const SYMFONY_DRIVER = join(import.meta.dirname, "../clients/symfony-rocketchat.php");

export const hasApprise = existsSync(APPRISE);
export const hasSymfony = existsSync(PHP) && existsSync(SYMFONY_BRIDGE);
export const hasCurl = existsSync("/usr/bin/curl");
export const hasPython = existsSync("/usr/bin/python3");

export interface Run {
  readonly code: number;
  readonly output: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** `apprise -t TITLE -b BODY rocket://ID/TOKEN@HOST:PORT/TARGET[?query]`. */
export function runApprise(url: string, title: string, body: string): Promise<Run> {
  return run(APPRISE, ["-vv", "-t", title, "-b", body, url]);
}

/** Symfony's bridge, `rocketchat://ID%2FTOKEN@HOST:PORT?channel=CHANNEL`; prints `sent …` on success. */
export function runSymfony(
  endpoint: string,
  idAndToken: string,
  channel: string,
  subject: string,
  attachment?: unknown,
): Promise<Run> {
  const args = [SYMFONY_DRIVER, endpoint, idAndToken, channel, subject];
  if (attachment !== undefined) args.push(JSON.stringify(attachment));
  return run(PHP, args);
}

/** One alarm as alarm-notify.sh has it when `send_rocketchat` runs. */
export interface NetdataAlarm {
  readonly host: string;
  readonly status: "WARNING" | "CRITICAL" | "CLEAR";
  readonly statusMessage: string;
  readonly chart: string;
  readonly alarm: string;
  readonly info: string;
  readonly when: number;
  readonly channel: string;
}

const NETDATA_IMAGES = "https://registry.my-netdata.io";

/** The body alarm-notify.sh's heredoc produces (indentation and all) for one channel. */
export function netdataPayload(a: NetdataAlarm): string {
  const color = { WARNING: "warning", CRITICAL: "danger", CLEAR: "good" }[a.status];
  const image = `${NETDATA_IMAGES}/images/${{ WARNING: "alert-128-orange.png", CRITICAL: "alert-128-red.png", CLEAR: "check-mark-2-128-green.png" }[a.status]}`;
  const gotoUrl = `${NETDATA_IMAGES}/registry-alert-redirect.html?host=${a.host}&chart=${a.chart}&alarm_status=${a.status}`;
  const lines = [
    `{`,
    `    "channel": "#${a.channel}",`,
    `    "alias": "netdata on ${a.host}",`,
    `    "avatar": "${NETDATA_IMAGES}/images/banner-icon-144x144.png",`,
    `    "text": "${a.host} ${a.statusMessage}, \`${a.chart}\`, *${a.alarm}*",`,
    `    "attachments": [`,
    `        {`,
    `            "color": "${color}",`,
    `            "title": "${a.alarm}",`,
    `            "title_link": "${gotoUrl}",`,
    `            "text": "${a.info}",`,
    `            "fields": [`,
    `                {`,
    `                    "title": "${a.chart}",`,
    `                    "short": true,`,
    `                    "value": "chart"`,
    `                }`,
    `            ],`,
    `            "thumb_url": "${image}",`,
    `            "ts": "${a.when}"`,
    `        }`,
    `    ]`,
    `}`,
  ];
  // The heredoc sits inside `$( … )`, indented by eight spaces; `$(…)` drops the last newline.
  return lines.map((l) => `        ${l}`).join("\n");
}

export function runNetdata(webhookUrl: string, alarm: NetdataAlarm): Promise<Run> {
  return run("/usr/bin/curl", [
    "--write-out",
    "%{http_code}",
    "--output",
    "/dev/null",
    "--silent",
    "--show-error",
    "-X",
    "POST",
    "-H",
    "Content-Type: application/json",
    "--data",
    netdataPayload(alarm),
    webhookUrl,
  ]);
}

/** The module's parameters (its defaults filled in as Ansible does). */
export interface AnsibleParams {
  readonly msg?: string;
  readonly channel?: string;
  readonly username?: string;
  readonly icon_url?: string;
  readonly icon_emoji?: string;
  readonly link_names?: 0 | 1;
  readonly color?: "normal" | "good" | "warning" | "danger";
  readonly attachments?: Array<Record<string, unknown>>;
  readonly is_pre740?: boolean;
}

/**
 * The module's payload, built in Python in the module's key order and serialised by json.dumps;
 * posted with urllib to `PROTOCOL://DOMAIN/hooks/TOKEN`. Prints the status code.
 */
const ANSIBLE_PY = `
import json, sys, urllib.request, urllib.error
url, raw = sys.argv[1], json.loads(sys.argv[2])
p = dict(username="Ansible", icon_url="https://docs.ansible.com/favicon.ico", link_names=1, color="normal", is_pre740=True)
p.update(raw)
payload = {}
if p.get("msg") is not None:
    payload = dict(text=p["msg"]) if p["color"] == "normal" else dict(attachments=[dict(text=p["msg"], color=p["color"])])
if p.get("channel") is not None:
    payload["channel"] = p["channel"] if p["channel"][0] in "#@" else "#" + p["channel"]
if p.get("username") is not None:
    payload["username"] = p["username"]
if p.get("icon_emoji") is not None:
    payload["icon_emoji"] = p["icon_emoji"]
else:
    payload["icon_url"] = p["icon_url"]
if p.get("link_names") is not None:
    payload["link_names"] = p["link_names"]
if p.get("attachments") is not None:
    payload.setdefault("attachments", [])
    for a in p["attachments"]:
        a.setdefault("fallback", a["text"])
        payload["attachments"].append(a)
body = json.dumps(payload)
if p["is_pre740"]:
    body = "payload=" + body
req = urllib.request.Request(url, data=body.encode("utf-8"), headers={"User-Agent": "ansible-httpget"})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
`;

export function runAnsible(webhookUrl: string, params: AnsibleParams): Promise<Run> {
  return run("/usr/bin/python3", ["-c", ANSIBLE_PY, webhookUrl, JSON.stringify(params)]);
}
