import { expect, it } from "vitest";
import { withLineFeeds } from "./newlines.ts";

it("turns \\r\\n and a lone \\r into \\n, and leaves other text as it is", () => {
  expect(withLineFeeds("a\r\nb\rc\n\r\nd")).toBe("a\nb\nc\n\nd");
  const plain = "no carriage returns\n";
  expect(withLineFeeds(plain)).toBe(plain);
});
