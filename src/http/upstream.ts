/**
 * The one HTTP client interface slackline's I/O goes through (Rocket.Chat, bots).
 * Node wires an undici pool behind it; Workers use the platform `fetch`.
 */
export type Upstream = (input: string, init: RequestInit & { timeoutMs?: number }) => Promise<Response>;
