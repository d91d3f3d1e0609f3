//! Long and deep input: long sums parsed term by term (the same AST, spans included, as the whole-line parse), long sums, `#` chains and `$` chains compiled without deep recursion, and nesting beyond the limit refused with a located error.
import { describe, expect, it } from "vitest";
import { LONG_SUM, Parser, parseLongSum } from "../language/parse.js";

/** A statement of `n` terms built by `term(i)`, joined with " + ". */
function sum(head: string, n: number, term: (i: number) => string): string {
  return `${head} ${Array.from({ length: n }, (_, i) => term(i)).join(" + ")}`;
}

function both(text: string) {
  const fast = new Parser();
  const whole = new Parser({ longSums: false });
  return { fast: fast.parse(text), whole: whole.parse(text) };
}

describe("long sums", () => {
  const cases: Record<string, string> = {
    "a sine bank": sum("out:", 200, (i) => `sine ${100 + i * 3.5} * ${1 / 200}`),
    "a voice bank with chains, parentheses and strings": sum(
      "~bank:",
      120,
      (i) => `(saw_naive ${55 + i} # lpf (sine 0.${i + 1} * 800 + 1200) 4) * 0.01 * (s "bd*2 [sn cp]" # gain 0.5)`,
    ),
    "a bank with negative numbers, names and bus references holding digits": `~b0: sine 1\n~b1: sine 2\n${sum("~x:", 150, (i) => `~b${i % 2} * (0 - ${i + 1}.5) * (sine -${i} * -(2)) * 0.${i}`)}`,
    "a bus over several lines": sum("~x:", 150, (i) => `sine ${i + 100} * 0.001`).replace(/ \+ sine 15/g, "\n  + sine 15"),
  };
  for (const [what, text] of Object.entries(cases)) {
    it(`${what}: the same statements and no diagnostics as the whole-line parse`, () => {
      expect(text.length).toBeGreaterThanOrEqual(LONG_SUM);
      // The long statement (the last line) takes the term-by-term path.
      expect(parseLongSum(text.split("\n").filter((l) => l.startsWith("~x") || l.startsWith("out") || l.startsWith("~bank")).join("\n"))?.ok).toBe(true);
      const { fast, whole } = both(`tempo: 1\n${text}\n`);
      expect(whole.diagnostics).toEqual([]);
      expect(fast.diagnostics).toEqual([]);
      expect(fast.program).toEqual(whole.program);
    });
  }

  it("a long line with another top-level operator, or an error, is parsed whole (with its diagnostic)", () => {
    const minus = sum("out:", 150, (i) => `sine ${i + 1} * 0.01`) + " - sine 3";
    const { fast, whole } = both(minus);
    expect(fast.program).toEqual(whole.program);
    const broken = sum("out:", 150, (i) => `sine ${i + 1} * 0.01`) + " + (sine 3";
    const r = both(broken);
    expect(r.fast.diagnostics).toEqual(r.whole.diagnostics);
    expect(r.fast.diagnostics).toHaveLength(1);
  });
});

describe("long sums compile without a deep stack", () => {
  // The front end lowers `a + b + …` to a left-deep chain of `add`s; the emitter walks it with
  // an explicit stack, so 4,096 terms compile in vitest's default-size stack (they overflowed
  // it at about 1,100 terms when emission recursed).
  it("a 4,096-sine bank compiles to one chain, each add after its inputs", async () => {
    const { Compiler } = await import("../language/compile/lower.js");
    const n = 4096;
    const r = new Compiler().compile(sum("out:", n, (i) => `sine ${100 + i} * 0.0002`));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ir = r.ir!;
    const kinds = ir.nodes.map((x) => x.kind);
    expect(kinds.filter((k) => k === "sine").length).toBe(n);
    expect(kinds.filter((k) => k === "add").length).toBe(n - 1);
    // Topological: every node reads only nodes with smaller ids.
    for (const node of ir.nodes) {
      for (const p of Object.values(node.params)) {
        if (p && typeof p === "object" && "node" in p) expect((p as { node: number }).node).toBeLessThan(node.id);
      }
    }
    expect(ir.outputs[0]!.node).toBe(ir.nodes.length - 1);
  });
});

describe("deep input is parsed without deep recursion, or refused where it is", () => {
  const compile = async (text: string) => new (await import("../language/compile/lower.js")).Compiler().compile(text);
  const errors = (r: Awaited<ReturnType<typeof compile>>) => r.diagnostics.filter((d) => d.severity === "error");

  // `#` and `$` are flat lists in the grammar, folded in the semantics and walked iteratively by
  // the evaluator and the emitter; these overflowed the stack at about 860 `#` and 755 `$`.
  it("5,000 `#` links compile to a chain of 5,000 filters", async () => {
    const r = await compile(`out: saw 55${" # lpf 5000".repeat(5000)}`);
    expect(errors(r)).toEqual([]);
    expect(r.ir!.nodes.filter((n) => n.kind === "lpf").length).toBe(5000);
  });
  it("5,000 `# gain` links on a sound and 5,000 `$` transforms compile", async () => {
    expect(errors(await compile(`d1: s "bd"${" # gain 1".repeat(5000)}`))).toEqual([]);
    expect(errors(await compile(`d1: ${"fast 1 $ ".repeat(5000)}s "bd"`))).toEqual([]);
  });
  it("100 nested parentheses compile; 101 is a located error naming the limit", async () => {
    expect(errors(await compile(`out: ${"(".repeat(100)}sine 1${")".repeat(100)}`))).toEqual([]);
    const r = await compile(`out: ${"(".repeat(101)}sine 1${")".repeat(101)}`);
    const [e] = errors(r);
    expect(e!.line).toBe(1);
    expect(e!.col).toBe(6 + 100); // the 101st '(' (columns from 1; `out: ` is 5 characters)
    expect(e!.message).toContain("at most 100 levels of parentheses and brackets");
  });
  it("a statement too deep for the parser's stack is an error at its start, not a throw", async () => {
    const r = await compile(`out: ${"- ".repeat(5000)}1`);
    const [e] = errors(r);
    expect([e!.line, e!.col]).toEqual([1, 1]);
    expect(e!.message).toContain("nests or chains too deeply");
  });
});
