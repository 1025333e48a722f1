import { describe, expect, it } from "vitest";
import { displayWidth, monospaceTable } from "./table.ts";

describe("displayWidth", () => {
  it("counts wide characters and emoji as two cells, marks and zero-width characters as none", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("東京タワー")).toBe(10);
    expect(displayWidth("🔥ok")).toBe(4);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("a\u200Bb")).toBe(2);
  });
});

describe("monospaceTable", () => {
  it("aligns columns by display width, with the first row as the header", () => {
    const rows = [
      ["city", "n"],
      ["東京タワー", "1"],
      ["Paris", "22"],
    ];
    expect(monospaceTable(rows, [undefined, "right"])).toEqual([
      "city       |  n",
      "-----------+---",
      "東京タワー |  1",
      "Paris      | 22",
    ]);
  });

  it("fills short rows and centres", () => {
    expect(monospaceTable([["a", "bbb"], ["x"]], ["center", "center"])).toEqual(["a | bbb", "--+----", "x |"]);
  });
});
