import { describe, expect, it } from "vitest";
import { freshProgress, type DeliveryJob } from "./deliver.ts";
import { recordFacts, RecentDeliveries } from "./service.ts";

const job = (n: number): DeliveryJob => ({
  id: `job-${n}`,
  source: "hook",
  room: "#general",
  messages: [{ _id: `job-${n}`, msg: `secret text ${n}` }],
  acceptedAt: Date.UTC(2026, 0, 1) + n * 1000,
});

describe("RecentDeliveries", () => {
  it("lists the last `capacity` records newest first, with ISO times and without message text", () => {
    const recent = new RecentDeliveries(3);
    expect(recent.list()).toEqual([]);
    for (let n = 1; n <= 5; n++) {
      recent.add(
        recordFacts(
          job(n),
          "delivered",
          { ...freshProgress, attempts: 1, sent: 1 },
          Date.UTC(2026, 0, 1) + n * 1000 + 5,
        ),
      );
      expect(recent.list().map((r) => r.id)).toEqual(
        [5, 4, 3, 2, 1]
          .filter((i) => i <= n)
          .slice(0, 3)
          .map((i) => `job-${i}`),
      );
    }
    const [newest] = recent.list();
    expect(newest).toEqual({
      id: "job-5",
      messageIds: ["job-5"],
      room: "#general",
      source: "hook",
      state: "delivered",
      attempts: 1,
      confirmed: 1,
      acceptedAt: "2026-01-01T00:00:05.000Z",
      updatedAt: "2026-01-01T00:00:05.005Z",
    });
    expect(JSON.stringify(recent.list())).not.toContain("secret text");
  });
});
