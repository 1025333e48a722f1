/**
 * Fakes and bots in another process, driven over the control API (`control-server.ts`). Only
 * `fetch`: this runs inside workerd.
 */
import type { BotControl, BotKind, FakeControl, FakeInfo } from "./runtime.ts";

async function call<T>(base: string, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A new fake, or the existing fake `id` (the one globalSetup made for the Worker's own config). */
export async function remoteFake(controlUrl: string, id?: string): Promise<FakeControl> {
  const info =
    id === undefined
      ? await call<FakeInfo & { id: string }>(controlUrl, "POST", "/fakes", {})
      : { ...(await call<FakeInfo>(controlUrl, "GET", `/fakes/${id}/info`)), id };
  const base = `/fakes/${info.id}`;
  const post = (action: string, body: unknown = {}) =>
    call<Record<string, unknown>>(controlUrl, "POST", `${base}/${action}`, body);
  return {
    url: info.url,
    userId: info.userId,
    authToken: info.authToken,
    botUsername: info.botUsername,
    reset: async () => void (await post("reset")),
    addRoom: async (room) => String((await post("rooms", { room }))["id"]),
    addUser: async (username, id) => String((await post("users", { username, id }))["id"]),
    settings: async (patch) => void (await post("settings", patch)),
    faults: async (patch) => void (await post("faults", patch)),
    setDown: async (down) => void (await post("down", { down })),
    messages: (room) =>
      call(controlUrl, "GET", `${base}/messages${room === undefined ? "" : `?room=${encodeURIComponent(room)}`}`),
    calls: () => call(controlUrl, "GET", `${base}/calls`),
    uploads: () => call(controlUrl, "GET", `${base}/uploads`),
  };
}

export async function remoteBot(controlUrl: string, kind: BotKind): Promise<BotControl> {
  const { id, url } = await call<{ id: string; url: string }>(controlUrl, "POST", "/bots", { kind });
  return {
    url,
    answer: async (answer) => void (await call(controlUrl, "POST", `/bots/${id}/answer`, answer)),
    requests: () => call(controlUrl, "GET", `/bots/${id}/requests`),
    reset: async () => void (await call(controlUrl, "POST", `/bots/${id}/reset`)),
  };
}
