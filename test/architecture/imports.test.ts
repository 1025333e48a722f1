/**
 * The folders of `src/` are layers and their imports point one way (docs/architecture.md):
 * the translation core imports nothing outside the core, and no two folders import each other,
 * directly or round a longer loop. Imports are read with TypeScript's own pre-processor, so
 * `import type` and `export … from` count as well as plain imports.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const CORE = new Set(["model", "text", "markdown", "slack", "translate", "result.ts", "bounded-map.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The first path segment under src/: a folder name, or a top-level file such as `app.ts`. */
const unitOf = (file: string): string => relative(SRC, file).split("/")[0]!;

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, "utf8"), true, true)
      .importedFiles.map((ref) => ref.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => ({ from: unitOf(file), to: unitOf(resolve(dirname(file), spec)), file: relative(SRC, file) }))
      .filter((edge) => edge.from !== edge.to),
  );
}

/** Every folder cycle, each as the list of units round it (Tarjan's strongly connected components). */
function cycles(all: readonly Edge[]): string[][] {
  const next = new Map<string, Edge[]>();
  for (const edge of all) next.set(edge.from, [...(next.get(edge.from) ?? []), edge]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (unit: string): void => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit)!);
    stack.push(unit);
    for (const { to } of next.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
    }
    if (low.get(unit) !== index.get(unit)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(member);
      if (member === unit) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const unit of new Set(all.map((edge) => edge.from))) if (!index.has(unit)) visit(unit);
  return found;
}

describe("the import graph of src/", () => {
  const all = edges();

  it("is read (a broken reader would pass everything)", () => {
    expect(all.some((edge) => edge.from === "app.ts")).toBe(true);
  });

  it("keeps the translation core to itself", () => {
    const outward = all.filter((edge) => CORE.has(edge.from) && !CORE.has(edge.to));
    expect(outward.map((edge) => `${edge.file} → ${edge.to}`)).toEqual([]);
  });

  it("has no folder cycle", () => {
    // Each loop as its edges, one line per pair of folders, with the files that make the edge.
    const loops = cycles(all).map((units) => {
      const pairs = new Map<string, Set<string>>();
      for (const e of all.filter((e) => units.includes(e.from) && units.includes(e.to))) {
        const pair = `${e.from} → ${e.to}`;
        pairs.set(pair, (pairs.get(pair) ?? new Set<string>()).add(e.file));
      }
      return [...pairs].map(([pair, files]) => `${pair}: ${[...files].join(", ")}`).sort();
    });
    expect(loops).toEqual([]);
  });
});
