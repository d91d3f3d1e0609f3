//! Incremental parsing: a re-parse after a small edit reuses unchanged statements, re-matches the changed one with ohm's Matcher, and gives the same tree as a fresh parse.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Compiler } from "../language/compile/lower.js";
import { Parser, parse } from "../language/parse.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const beat = readFileSync(join(root, "patterns", "beat.ph"), "utf8");

describe("incremental parsing", () => {
  it("reuses unchanged statements and re-matches only the edited one", () => {
    const p = new Parser();
    const first = p.parse(beat);
    expect(p.stats).toEqual({ reused: 0, rematched: 0, fresh: first.program.statements.length });
    const edited = beat.replace("lpf 1200", "lpf 1500");
    const second = p.parse(edited);
    expect(p.stats).toEqual({ reused: first.program.statements.length - 1, rematched: 1, fresh: 0 });
    expect(second.program).toEqual(parse(edited).program);
  });

  it("moves the spans of reused statements after an edit above them", () => {
    const p = new Parser();
    p.parse(beat);
    const edited = beat.replace("bpm: 30", "bpm: 30\n-- a new comment line\n~extra: sine 3");
    const r = p.parse(edited);
    expect(r.program).toEqual(parse(edited).program);
    expect(r.diagnostics).toEqual([]);
  });

  it("reports a broken edit at the right place, and recovers when it is fixed", () => {
    const p = new Parser();
    p.parse(beat);
    const broken = beat.replace("lpf 1200", "lpf (1200");
    const bad = p.parse(broken);
    expect(bad.diagnostics).toHaveLength(1);
    const fresh = parse(broken).diagnostics[0]!;
    expect([bad.diagnostics[0]!.line, bad.diagnostics[0]!.col, bad.diagnostics[0]!.message]).toEqual([fresh.line, fresh.col, fresh.message]);
    expect(p.parse(beat).program).toEqual(parse(beat).program);
  });

  it("compiles through a kept Compiler to the same IR as a fresh compile", () => {
    const c = new Compiler();
    c.compile(beat);
    const edited = beat.replace("saw \"55 55 110 82.5\"", "saw \"55 110\"");
    expect(JSON.stringify(c.compile(edited).ir)).toBe(JSON.stringify(new Compiler().compile(edited).ir));
  });
});
