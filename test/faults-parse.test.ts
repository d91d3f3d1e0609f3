//! Issue 15, parser hangs: a syntax error on a long line (the quadratic hint regex) and a file of 100,000 statements (out of heap), from the shortest inputs.
import { describe, expect, it } from "vitest";
import { MAX_STATEMENTS, Parser, hasCommaCall } from "../language/parse.js";
import { Random } from "../cli/fuzz.js";

/** A seeded generator (mulberry32), so the strings are the same on every run. */
function rng(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

describe("the hint for a call written with parentheses and commas", () => {
  it("gives the answer of the regex it replaced on 20,000 seeded short strings", () => {
    const regex = /[A-Za-z_]\w*\((?!\s*[#$])[^()]*,/;
    const alphabet = 'ab_1( ),#$"\t';
    const next = rng(15);
    for (let n = 0; n < 20_000; n++) {
      let s = "";
      const len = Math.floor(next() * 14);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      expect(hasCommaCall(s), JSON.stringify(s)).toBe(regex.test(s));
    }
  });

  it("a syntax error on a 100 kB line (9.5 s before) is reported where it is, with the hint", () => {
    const line = `out: lpf(800, 0.7) ${"a".repeat(100_000)} )`;
    const r = new Parser().parse(line);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.line).toBe(1);
    expect(d.message).toMatch(/^syntax error: expected /);
    expect(d.suggestion).toMatch(/functions are called by juxtaposition/);
  });
});

describe("a file of many statements", () => {
  it(`100,000 statements (out of heap before) give one error at statement ${MAX_STATEMENTS + 1} naming the limit`, () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `~b${i}: sine ${440 + i} * 0.1`).join("\n");
    const r = new Parser().parse(text);
    expect(r.program.statements).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      `${MAX_STATEMENTS + 1}:1 this file has 100,000 statements; at most ${MAX_STATEMENTS.toLocaleString("en")} are compiled`,
    ]);
  });
});
