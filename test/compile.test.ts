//! Tests of parsing and lowering to GraphIR: structure, keys, diagnostics.
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";

function ok(src: string) {
  const r = compile(src);
  const errors = r.diagnostics.map((d) => formatDiagnostic(d, r.map, "t.ph"));
  expect(errors).toEqual([]);
  return r.ir!;
}

describe("lowering", () => {
  it("folds constants and multiplies a sine", () => {
    const ir = ok("out: sine 440 * 0.5");
    expect(ir.version).toBe(1);
    expect(ir.cps).toBe(0.5);
    expect(ir.nodes.map((n) => n.kind)).toEqual(["sine", "mul"]);
    expect(ir.nodes[0]!.params).toEqual({ freq: { const: 440 } });
    expect(ir.nodes[1]!.params).toEqual({ a: { node: 0 }, b: { const: 0.5 } });
    expect(ir.outputs).toEqual([{ name: "out", node: 1 }]);
  });

  it("passes the left of # as the filter's input and scales after it", () => {
    const ir = ok("tempo: 1\nout $ saw 55 # lpf 800 0.7 * 0.3");
    expect(ir.cps).toBe(1);
    expect(ir.nodes.map((n) => n.kind)).toEqual(["saw", "lpf", "mul"]);
    expect(ir.nodes[1]!.params).toEqual({ in: { node: 0 }, cutoff: { const: 800 }, q: { const: 0.7 } });
    expect(ir.nodes[2]!.params).toEqual({ a: { node: 1 }, b: { const: 0.3 } });
  });

  it("makes a sampler with a trigger lane for s", () => {
    const ir = ok('bpm: 120\nout: s "bd*4"');
    expect(ir.cps).toBe(2);
    expect(ir.nodes.map((n) => n.kind)).toEqual(["sampler"]);
    // The lane points at the string (column 8), where a pattern error would be shown.
    expect(ir.lanes).toEqual([{ id: 0, kind: "trigger", node: 0, pattern: "bd*4", loc: { line: 2, col: 8 } }]);
  });

  it("turns a numeric string into a param lane starting at its first value", () => {
    const ir = ok('out: saw "110 220" * 0.2');
    expect(ir.nodes[0]!.params).toEqual({ freq: { lane: 0, init: 110 } });
    expect(ir.lanes[0]).toMatchObject({ kind: "param", node: 0, param: "freq", pattern: "110 220" });
  });

  it("computes a bus once and reads it many times", () => {
    const ir = ok("~osc: sine 220\nout: ~osc * 0.3 + ~osc * 0.2");
    expect(ir.nodes.filter((n) => n.kind === "sine")).toHaveLength(1);
    expect(ir.buses).toEqual([{ name: "osc", node: 0 }]);
    // sine → two muls → add (the engine orders them: engine-rs/core/src/ir.rs stages_of)
    expect(ir.nodes.map((n) => n.kind)).toEqual(["sine", "mul", "mul", "add"]);
  });

  it("joins continuation lines and ignores comments", () => {
    const ir = ok("-- a comment\nout: saw 110 -- inline\n  # lpf 500\n\n");
    expect(ir.nodes.map((n) => n.kind)).toEqual(["saw", "lpf"]);
  });

  it("sums numbered outputs and lets the last definition win", () => {
    const ir = ok("out: sine 100\no1: sine 200\nout: sine 300");
    expect(ir.outputs.map((o) => o.name).sort()).toEqual(["out", "out1"]);
    const freqs = ir.nodes.map((n) => (n.params.freq as { const: number }).const).sort();
    expect(freqs).toEqual([200, 300]);
  });

  it("drops buses that nothing plays", () => {
    const ir = ok("~unused: saw 30\nout: sine 440");
    expect(ir.nodes.map((n) => n.kind)).toEqual(["sine"]);
  });

  it("routes ~master when there is no output", () => {
    const ir = ok("~master: sine 440 * 0.1");
    expect(ir.outputs).toEqual([{ name: "~master", node: 1 }]);
  });
});

describe("node keys", () => {
  it("stay the same when only a number changes", () => {
    const a = ok("~b: saw 110 # lpf 800 0.7\nout: ~b * 0.5");
    const b = ok("~b: saw 220 # lpf 1200 0.3\nout: ~b * 0.25");
    expect(b.nodes.map((n) => n.key)).toEqual(a.nodes.map((n) => n.key));
  });
  it("differ between two identical oscillators in different buses", () => {
    const ir = ok("~a: sine 100\n~b: sine 100\nout: ~a + ~b");
    expect(ir.nodes[0]!.key).not.toBe(ir.nodes[1]!.key);
  });
});

describe("diagnostics", () => {
  it("gives line, column and the expected token for a syntax error", () => {
    const r = compile("tempo: 1\nout: sine 440 *\n");
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect([d.line, d.col]).toEqual([2, 16]);
    expect(d.message).toMatch(/expected/);
    expect(formatDiagnostic(d, r.map, "x.ph")).toContain("x.ph:2:16: error:");
  });
  it("names an unknown function and suggests the nearest", () => {
    const r = compile("out: sinx 440");
    const d = r.diagnostics[0]!;
    expect(d.message).toBe("unknown function 'sinx'");
    expect([d.line, d.col]).toEqual([1, 6]);
    expect(d.suggestion).toContain("'sine'");
  });
  it("reports every broken statement, not only the first", () => {
    const r = compile("~a: sine (440\nout: sqare 3\n~c: saw 1 +");
    expect(r.diagnostics.map((d) => d.line)).toEqual([1, 2, 3]);
  });
  it("points into a pattern string at the broken spot", () => {
    const r = compile('out: s "bd [sn"');
    const d = r.diagnostics[0]!;
    expect([d.line, d.col]).toEqual([1, 15]);
  });
  it("refuses an unknown bus with a suggestion", () => {
    const r = compile("~drums: s \"bd\"\nout: ~drum");
    expect(r.diagnostics[0]!.message).toBe("unknown bus '~drum'");
    expect(r.diagnostics[0]!.suggestion).toContain("'~drums'");
  });
  it("refuses a sample name where a number is needed", () => {
    const r = compile('out: sine "440 bd"');
    expect(r.diagnostics[0]!.message).toMatch(/'bd' is not a number/);
  });
});
