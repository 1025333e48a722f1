/**
 * Node only: the contract suite's bots, plain node:http servers on 127.0.0.1 (the relay suites'
 * `startBot`), whose answers are data so they can be set across a process boundary.
 */
import { startBot, type Bot } from "../outgoing/harness.ts";
import { LEGACY_TOKEN } from "./config.ts";
import { json, renderAnswer, type BotAnswer, type BotKind, type BotRequest } from "./runtime.ts";

export interface ScriptedBot {
  readonly url: string;
  readonly requests: BotRequest[];
  answer: BotAnswer;
  close(): Promise<void>;
}

/** Slack's documented legacy outgoing-webhook consumer: form body, token check, JSON reply. */
export function legacyAnswer(req: BotRequest): BotAnswer {
  const form = new URLSearchParams(req.body);
  if (form.get("token") !== LEGACY_TOKEN) return { status: 403, body: "invalid token" };
  const words = (form.get("text") ?? "").split(" ");
  return json({
    text: `Deploying *${words[1]}* to ${words[2]}: <https://ci.example.com/b/1|build 1> for <@${form.get("user_id")}>`,
    username: "deploybot",
    icon_emoji: ":rocket:",
    attachments: [
      {
        color: "good",
        title: "Build 1",
        title_link: "https://ci.example.com/b/1",
        text: "All *green*",
        fields: [{ title: "env", value: words[2], short: true }],
      },
    ],
  });
}

export async function startScriptedBot(kind: BotKind): Promise<ScriptedBot> {
  const state: { answer: BotAnswer } = { answer: json({}) };
  const bot: Bot = await startBot((req) => (kind === "legacy" ? legacyAnswer(req) : renderAnswer(state.answer, req)));
  return {
    url: bot.url,
    requests: bot.requests,
    get answer() {
      return state.answer;
    },
    set answer(answer: BotAnswer) {
      state.answer = answer;
    },
    close: () => bot.close(),
  };
}
