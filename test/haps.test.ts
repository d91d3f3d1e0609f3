//! `phonon haps`: the readable listing, its errors, and the oracle case format in and out.
import { afterEach, describe, expect, it, vi } from "vitest";
import { runHaps } from "../cli/haps.js";
import { runCases, stringifyResults } from "../language/pattern/cases.js";
import { MAX_HAPS_PER_QUERY, QueryLimitError } from "../language/pattern/limit.js";
import { mini } from "../language/pattern/mini.js";
import { Rational } from "../language/pattern/rational.js";

function capture(): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  return { out: () => out, err: () => err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("phonon haps <pattern>", () => {
  it("lists whole, part and value", async () => {
    const io = capture();
    const code = await runHaps(["bd*2 [sn cp]", "--from", "0", "--to", "1"]);
    expect(code).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toBe('"bd*2 [sn cp]" from 0 to 1: 4 events');
    expect(lines.slice(1).map((l) => l.trim().replace(/\s+/g, " "))).toEqual([
      '0–1/4 "bd"',
      '1/4–1/2 "bd"',
      '1/2–3/4 "sn"',
      '3/4–1 "cp"',
    ]);
  });
  it("shows parts and missing onsets for fractional windows", async () => {
    const io = capture();
    expect(await runHaps(["a b", "--from", "1/4", "--to=3/4"])).toBe(0);
    expect(io.out()).toContain('0–1/2 (part 1/4–1/2)');
    expect(io.out()).toContain("(no onset)");
  });
  it("reports a mini-notation error with a caret under the column", async () => {
    const io = capture();
    expect(await runHaps(["bd [sn"])).toBe(1);
    expect(io.err()).toContain("column 7");
    expect(io.err()).toContain('  "bd [sn"\n         ^');
  });
  it("refuses a runaway pattern", async () => {
    const io = capture();
    expect(await runHaps(["a*1e9"])).toBe(1);
    expect(io.err()).toMatch(/refused/);
  });
  it("rejects bad usage", async () => {
    const io = capture();
    expect(await runHaps([])).toBe(2);
    expect(await runHaps(["a", "--from", "x"])).toBe(2);
    expect(io.err()).toMatch(/not a time/);
  });
});

describe("oracle case format", () => {
  it("answers cases in the oracle's output format", () => {
    const results = runCases([
      { id: "one", expr: "a b", from: 0.25, to: 0.75 },
      { id: "ops", expr: "0 1", ops: [["add", 10], ["every", 2, ["fast", 2]]] },
      { id: "bad", expr: "a [b" },
      { id: "rnd", expr: "hh*8?", random: true, cycles: 4, skeleton: "hh*8", keep: 0.5 },
    ]);
    const one = results[0]!;
    expect(one["from_frac"]).toBe("1/4");
    expect(one["count"]).toBe(2);
    expect((one["haps"] as unknown[])[0]).toEqual({
      whole: { begin: 0, end: 0.5, begin_frac: "0/1", end_frac: "1/2" },
      part: { begin: 0.25, end: 0.5, begin_frac: "1/4", end_frac: "1/2" },
      value: "a",
    });
    expect((results[1]!["haps"] as Array<{ value: unknown }>).map((h) => h.value)).toEqual([10, 11, 10, 11]);
    expect(results[2]!["error"]).toMatch(/mini-notation/);
    const stats = results[3]!["stats"] as Record<string, unknown>;
    expect(stats["skeleton_onsets"]).toBe(32);
    expect(stats["subset_of_skeleton"]).toBe(true);
    const text = stringifyResults(results);
    expect(JSON.parse(text)).toHaveLength(4);
  });
  it("answers an oracle case in full past the live query limit, as Strudel (no limit) does", () => {
    // "a" sped up 60,000 times: 60,000 events a cycle, the k-th over [k/60000, (k+1)/60000)
    // (by hand); a live query of the same pattern is refused at MAX_HAPS_PER_QUERY.
    const n = 60_000;
    expect(n).toBeGreaterThan(MAX_HAPS_PER_QUERY);
    const [r] = runCases([{ id: "dense", expr: "a", ops: [["fast", n]] }]);
    expect(r!["error"]).toBeUndefined();
    expect(r!["count"]).toBe(n);
    const haps = r!["haps"] as Array<{ whole: { begin_frac: string; end_frac: string } }>;
    for (const k of [0, 1, 49_999, 50_000, n - 1]) expect(haps[k]!.whole, `event ${k}`).toMatchObject({ begin_frac: Rational.of(k, n).toFraction(), end_frac: Rational.of(k + 1, n).toFraction() });
    expect(() => mini("a").fast(n).queryArc(0, 1)).toThrow(QueryLimitError);
    // A runaway case is still stopped, with the oracle limit in its message.
    const [runaway] = runCases([{ id: "runaway", expr: "a*1e9" }]);
    expect(runaway!["error"]).toMatch(/more than 2,000,000 events/);
  });
});
