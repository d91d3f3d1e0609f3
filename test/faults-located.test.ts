//! Issue 15, "Errors without a location": cyclic definitions named as a cycle, and errors raised at query time or deep in evaluation, each a Diagnostic at a line and column in plain words (from the shortest inputs).
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { euclidFull } from "../language/pattern/euclid.js";
import { mini } from "../language/pattern/mini.js";

/** The errors of compiling `src`, as "line:col message". */
function errors(src: string): string[] {
  return compile(src)
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.line}:${d.col} ${d.message}`);
}

/** Neither of the two ways an error used to escape: "internal compiler error" at 1:1, or a JavaScript message. */
function plain(e: string[]): void {
  expect(e.length).toBeGreaterThan(0);
  for (const x of e) {
    expect(x).not.toMatch(/internal compiler error|is not a function|Maximum call stack|Invalid array length|TypeError|RangeError/);
    expect(x).not.toMatch(/^1:1 /);
  }
}

describe("cyclic definitions (a stack overflow before) are named as a cycle where it closes", () => {
  // Columns by hand: the use that expands the definition again.
  it.each([
    ["~b: ~b # ~b\nout: ~b", "1:10 ~b is defined in terms of itself (~b → ~b), so it never ends"],
    ["fn f x = f x\nout: f 1", "1:10 f is defined in terms of itself (f → f), so it never ends"],
    ["%p: %p\nout: s %p", "1:5 %p is defined in terms of itself (%p → %p), so it never ends"],
    ['~k: s "~k" # note "c4"\nout: ~k', "1:8 ~k is defined in terms of itself (~k → ~k), so it never ends"],
    ["fn f x = g x\nfn g x = f x\nout: f 1", "2:10 f is defined in terms of itself through g (f → g → f), so it never ends"],
  ])("%j", (src, expected) => {
    expect(errors(src)).toEqual([expected]);
  });

  it("a bus read as a signal inside itself is feedback, not a cycle", () => {
    expect(errors("~fb: ~fb * 0.5 + sine 1\nout: ~fb * 0.1")).toEqual([]);
  });
});

describe("errors raised while querying or evaluating, located in plain words", () => {
  it('`s "bd(<3:0>,8)"`: the mini-notation value that is not a number, at the sound', () => {
    const e = errors('out: s "bd(<3:0>,8)"');
    plain(e);
    expect(e).toEqual(['1:6 mini-notation: "3:0" is not a number, and a number is needed here']);
  });

  it('`"bd" $ floor`: a word where floor needs numbers, at the expression', () => {
    const e = errors('out: "bd" $ floor');
    plain(e);
    expect(e).toEqual(['1:6 "bd" is not a number, and this needs numbers']);
  });

  it('`bd*Infinity` and `euclidLegato 4 0` ("division by zero in pattern time") say what is wrong', () => {
    const inf = errors('out: s "bd*Infinity"');
    plain(inf);
    expect(inf).toEqual(["1:8 in pattern string: Infinity cannot be a time or a speed: it must be a finite number"]);
    const legato = errors('out: s "bd" # euclidLegato 4 0');
    plain(legato);
    expect(legato).toEqual(["1:15 'euclidLegato': the rhythm has 0 steps; it needs at least 1"]);
  });

  it("3,000 `$` transforms inside an effect section (internal compiler error before) compile", () => {
    const src = `~fx: ${"fast 1 $ ".repeat(3000)}# lpf 300\nout: s "bd" # ~fx\n`;
    expect(errors(src)).toEqual([]);
  });
});

describe("euclidFull (`pat.fmap is not a function` before)", () => {
  it("plays the pattern on the rhythm's onsets and the other on its off-steps, as Tidal's euclidFull", () => {
    // (3,8) is x..x..x. : bd at steps 0, 3, 6; hh at 1, 2, 4, 5, 7 (Strudel 1.2.6 has no
    // euclidFull; Tidal's is stack [euclid n k p, euclidInv n k p2]).
    const haps = euclidFull(mini("bd"), 3, 8, mini("hh")).queryArc(0, 1);
    const shown = haps.map((h) => `${h.whole!.begin.toFraction()} ${h.value}`).sort((a, b) => eval(a.split(" ")[0]!) - eval(b.split(" ")[0]!));
    expect(shown).toEqual(["0/1 bd", "1/8 hh", "1/4 hh", "3/8 bd", "1/2 hh", "5/8 hh", "3/4 bd", "7/8 hh"]);
    expect(errors('out: s (euclidFull 3 8 "bd" "hh")')).toEqual([]);
    expect(errors('out: s "bd" # euclidFull 3 8 "hh"')).toEqual([]);
  });
});
