import { describe, expect, it } from "vitest";
import { defaultTranslateContext } from "../model/context.ts";
import { NameDirectory } from "./names.ts";

describe("NameDirectory", () => {
  it("adds learned names to the translate context; the config's own maps win", () => {
    const names = new NameDirectory();
    names.learnUser("UALICE", "alice");
    names.learnUser("U024BE7LH", "not-bob");
    names.learnChannel("CGENERAL", "general");
    names.learnUser("UEMPTY", "");
    const ctx = names.context({ ...defaultTranslateContext, users: { U024BE7LH: "bob" } });
    expect({ ...ctx.users }).toEqual({ UALICE: "alice", U024BE7LH: "bob" });
    expect({ ...ctx.channels }).toEqual({ CGENERAL: "general" });
    expect(Object.getPrototypeOf(ctx.users)).toBeNull();
  });

  it("keeps the 1000 most recently learned names", () => {
    const names = new NameDirectory();
    for (let i = 0; i < 1001; i++) names.learnUser(`U${i}`, `user${i}`);
    const { users } = names.context(defaultTranslateContext);
    expect(Object.keys(users)).toHaveLength(1000);
    expect(users["U0"]).toBeUndefined();
    expect(users["U1000"]).toBe("user1000");
  });
});
