//! The Strudel oracle's case format: build patterns from JSON cases, query them, and write results in the oracle's output format.
import type { Hap } from "./hap.js";
import { mini } from "./mini.js";
import { stepcat } from "./ops/stepwise.js";
import { polymeter, arrange, run } from "./ops/structure.js";
import { fastcatOf, Pattern, pure, silence, slowcatOf, stackOf, type Time, toTime } from "./pattern.js";
import { chooseCycles, irand, perlin, rand, rand2, berlin } from "./random.js";
import { withQueryLimit } from "./limit.js";
import { Rational } from "./rational.js";
import { applyTransform, lookupTransform, type ArgInput } from "./registry.js";
import { SIGNALS } from "./signal.js";
import { valueToJson } from "./value.js";

/** A case as in ../shared/oracle/cases.json. */
export interface OracleCase {
  id?: string;
  group?: string;
  note?: string;
  expr: unknown;
  ops?: unknown[];
  from?: unknown;
  to?: unknown;
  random?: boolean;
  cycles?: number;
  skeleton?: unknown;
  keep?: number;
}

export interface SpanJson {
  begin: number;
  end: number;
  begin_frac: string;
  end_frac: string;
}
export interface HapJson {
  whole: SpanJson | null;
  part: SpanJson;
  value: unknown;
}

/** A case's result, in the oracle's output format. */
export interface OracleResult {
  id: string;
  [key: string]: unknown;
}

const OP_ALIASES: Record<string, string> = { "<~": "early", "~>": "late", every_: "every" };

const ALL_SIGNALS: Record<string, Pattern<unknown>> = { ...SIGNALS, rand, rand2, perlin, berlin };

function isOpList(x: unknown): x is unknown[][] {
  return Array.isArray(x) && x.length > 0 && x.every((e) => Array.isArray(e) && typeof e[0] === "string");
}
function isSingleOp(x: unknown): x is unknown[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === "string";
}

/** An op, a list of ops, or [] (identity) as a pattern function. */
function toFunction(spec: unknown): (p: Pattern<any>) => Pattern<any> {
  let ops: unknown[];
  if (isOpList(spec)) ops = spec;
  else if (isSingleOp(spec)) ops = [spec];
  else if (Array.isArray(spec) && spec.length === 0) ops = [];
  else throw new Error(`expected a function spec (op or list of ops), got ${JSON.stringify(spec)}`);
  return (p) => applyOps(p, ops);
}

function toArg(a: unknown, nested = false): ArgInput {
  if (typeof a === "number" || typeof a === "boolean" || a === null) return a;
  // A string is mini-notation; at the top level the registry parses it according to the argument's kind.
  if (typeof a === "string") return nested ? mini(a) : a;
  if (Array.isArray(a)) return a.map((x) => toArg(x, true));
  if (typeof a === "object") {
    const o = a as Record<string, unknown>;
    if ("frac" in o) return Rational.parse(String(o["frac"]));
    if ("raw" in o) {
      // Raw values are not mini-notation: a table of plain values becomes a table of constant patterns.
      const raw = o["raw"];
      if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
        return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, pure(v)]));
      }
      return raw as ArgInput;
    }
    return buildExpr(o);
  }
  throw new Error(`unsupported argument ${JSON.stringify(a)}`);
}

function applyOp(pat: Pattern<any>, op: unknown): Pattern<any> {
  if (!Array.isArray(op) || typeof op[0] !== "string") throw new Error(`bad op ${JSON.stringify(op)}`);
  const [rawName, ...args] = op as [string, ...unknown[]];
  const name = OP_ALIASES[rawName] ?? rawName;
  const spec = lookupTransform(name);
  if (!spec) return applyTransform(name, pat, []); // throws the "unknown transform" error with suggestions
  const conv = args.map((a, i) => {
    const kind = spec.args[Math.min(i, spec.args.length - 1)]?.kind;
    return kind === "function" ? toFunction(a) : toArg(a);
  });
  return applyTransform(name, pat, conv);
}

/** Apply ops left to right. */
export function applyOps(pat: Pattern<any>, ops: unknown[] | undefined): Pattern<any> {
  if (!ops) return pat;
  if (!Array.isArray(ops)) throw new Error("ops must be an array");
  for (const op of ops) pat = applyOp(pat, op);
  return pat;
}

/** A pattern from an Expr of the case format. */
export function buildExpr(e: unknown): Pattern<any> {
  if (typeof e === "string") return mini(e);
  if (e instanceof Pattern) return e;
  if (e === null || typeof e !== "object" || Array.isArray(e)) throw new Error(`bad expr ${JSON.stringify(e)}`);
  const o = e as Record<string, unknown>;
  const list = (k: string): Pattern<any>[] => {
    const v = o[k];
    if (!Array.isArray(v)) throw new Error(`"${k}" needs an array`);
    return v.map(buildExpr);
  };
  const pairs = (k: string): Array<[Time, Pattern<any>]> => {
    const v = o[k];
    if (!Array.isArray(v)) throw new Error(`"${k}" needs an array of [weight, expr]`);
    return v.map((p) => {
      const [w, x] = p as [unknown, unknown];
      return [timeArg(w), buildExpr(x)];
    });
  };
  let pat: Pattern<any>;
  if ("expr" in o) pat = buildExpr(o["expr"]);
  else if ("mini" in o) pat = mini(String(o["mini"]));
  else if ("stack" in o) pat = stackOf(list("stack"));
  else if ("cat" in o) pat = slowcatOf(list("cat"));
  else if ("slowcat" in o) pat = slowcatOf(list("slowcat"));
  else if ("fastcat" in o) pat = fastcatOf(list("fastcat"));
  else if ("seq" in o) pat = fastcatOf(list("seq"));
  else if ("sequence" in o) pat = fastcatOf(list("sequence"));
  else if ("polymeter" in o) pat = polymeter(...list("polymeter"));
  else if ("randcat" in o) pat = chooseCycles(...list("randcat"));
  else if ("chooseCycles" in o) pat = chooseCycles(...list("chooseCycles"));
  // Strudel 1.2.6's timecat is its stepcat.
  else if ("timecat" in o) pat = stepcat(...pairs("timecat").map(([w, p]) => [toTime(w), p] as [Rational, Pattern<any>]));
  else if ("stepcat" in o) pat = stepcat(...pairs("stepcat").map(([w, p]) => [toTime(w), p] as [Rational, Pattern<any>]));
  else if ("arrange" in o) pat = arrange(...pairs("arrange").map(([w, p]) => [toTime(w).toNumber(), p] as [number, Pattern<any>]));
  else if ("pure" in o) pat = pure(o["pure"]);
  else if ("silence" in o) pat = silence;
  else if ("signal" in o) {
    const s = ALL_SIGNALS[String(o["signal"])];
    if (!s) throw new Error(`unknown signal ${String(o["signal"])}`);
    pat = s;
  } else if ("run" in o) pat = run(Number(o["run"]));
  else if ("irand" in o) pat = pure(Number(o["irand"])).fmap(irand).innerJoin();
  else throw new Error(`unknown expr object keys: ${Object.keys(o).join(",")}`);
  if (o["ops"]) pat = applyOps(pat, o["ops"] as unknown[]);
  return pat;
}

function timeArg(x: unknown): Rational {
  if (x === undefined || x === null) throw new Error("missing time");
  if (typeof x === "object" && x !== null && "frac" in x) return Rational.parse(String((x as { frac: unknown }).frac));
  if (typeof x === "string") return Rational.parse(x);
  if (typeof x === "number") return Rational.fromNumber(x);
  throw new Error(`bad time ${JSON.stringify(x)}`);
}

function spanJson(b: Rational, e: Rational): SpanJson {
  return { begin: b.toNumber(), end: e.toNumber(), begin_frac: b.toFraction(), end_frac: e.toFraction() };
}

/** A hap in the oracle's JSON form. */
export function hapJson(h: Hap<unknown>): HapJson {
  return {
    whole: h.whole ? spanJson(h.whole.begin, h.whole.end) : null,
    part: spanJson(h.part.begin, h.part.end),
    value: valueToJson(h.value),
  };
}

const valueKey = (v: unknown): string => JSON.stringify(valueToJson(v));

/** Sort as the oracle does: part begin, value, part end, whole begin, whole end. */
export function sortHaps<T>(haps: Hap<T>[]): Hap<T>[] {
  const keyed = haps.map((h) => ({ h, k: valueKey(h.value) }));
  keyed.sort((x, y) => {
    const a = x.h;
    const b = y.h;
    let c = a.part.begin.cmp(b.part.begin);
    if (c) return c;
    if (x.k < y.k) return -1;
    if (x.k > y.k) return 1;
    c = a.part.end.cmp(b.part.end);
    if (c) return c;
    if (a.whole && b.whole) {
      c = a.whole.begin.cmp(b.whole.begin);
      if (c) return c;
      return a.whole.end.cmp(b.whole.end);
    }
    if (a.whole || b.whole) return a.whole ? 1 : -1;
    return 0;
  });
  return keyed.map((x) => x.h);
}

function hapIdentity(h: Hap<unknown>): string {
  const w = h.whole ? `${h.whole.begin.toFraction()}-${h.whole.end.toFraction()}` : "~";
  return `${w}|${h.part.begin.toFraction()}-${h.part.end.toFraction()}|${valueKey(h.value)}`;
}

function randomStats(pat: Pattern<any>, c: OracleCase, cycles: number): { stats: Record<string, unknown>; haps: Hap<unknown>[] } {
  const haps = sortHaps(pat.queryArc(0, cycles));
  const onsets = haps.filter((h) => h.hasOnset());
  const valueCounts: Record<string, number> = {};
  for (const h of onsets) {
    const k = valueKey(h.value);
    valueCounts[k] = (valueCounts[k] ?? 0) + 1;
  }
  const perCycle = new Array<number>(cycles).fill(0);
  const sigs: string[][] = Array.from({ length: cycles }, () => []);
  for (const h of onsets) {
    const cyc = h.whole!.begin.floor();
    if (cyc >= 0 && cyc < cycles) {
      perCycle[cyc]!++;
      sigs[cyc]!.push(`${h.whole!.begin.cyclePos().toFraction()}:${valueKey(h.value)}`);
    }
  }
  const mean = perCycle.reduce((a, b) => a + b, 0) / cycles;
  const variance = perCycle.reduce((a, b) => a + (b - mean) ** 2, 0) / cycles;
  const sigCounts: Record<string, number> = {};
  for (const s of sigs) {
    const k = s.join(" ");
    sigCounts[k] = (sigCounts[k] ?? 0) + 1;
  }
  const stats: Record<string, unknown> = {
    cycles,
    window: [0, cycles],
    haps: haps.length,
    onsets: onsets.length,
    value_counts: Object.fromEntries(Object.entries(valueCounts).sort()),
    per_cycle_onsets: { min: Math.min(...perCycle), max: Math.max(...perCycle), mean, variance: +variance.toFixed(6) },
  };
  if (Object.keys(sigCounts).length <= 16) stats["cycle_signature_counts"] = Object.fromEntries(Object.entries(sigCounts).sort());
  else stats["distinct_cycle_signatures"] = Object.keys(sigCounts).length;
  if (c.skeleton !== undefined) {
    const skel = buildExpr(c.skeleton).queryArc(0, cycles);
    const skelOnsets = skel.filter((h) => h.hasOnset());
    const set = new Set(skel.map(hapIdentity));
    stats["skeleton_onsets"] = skelOnsets.length;
    stats["survival_ratio"] = skelOnsets.length ? +(onsets.length / skelOnsets.length).toFixed(6) : null;
    stats["subset_of_skeleton"] = haps.every((h) => set.has(hapIdentity(h)));
  }
  return { stats, haps };
}

/**
 * The query limit for an oracle case: the question is asked offline and answered in full, as
 * Strudel (which has no limit) answers it, so the live limit (MAX_HAPS_PER_QUERY, set by what the
 * engine can hold in flight) does not apply; this one only stops a runaway case (a few µs a hap:
 * seconds, not hours).
 */
export const ORACLE_MAX_HAPS = 2_000_000;

/** Run one case; errors are reported in the result, as the oracle does. */
export function runCase(c: OracleCase, index: number, opts: { randomHaps?: boolean } = {}): OracleResult {
  return withQueryLimit(ORACLE_MAX_HAPS, () => answer(c, index, opts));
}

function answer(c: OracleCase, index: number, opts: { randomHaps?: boolean }): OracleResult {
  const out: OracleResult = { id: c.id ?? String(index) };
  for (const k of ["group", "note", "random", "keep"] as const) if (c[k] !== undefined) out[k] = c[k];
  out["expr"] = c.expr;
  if (c.ops) out["ops"] = c.ops;
  try {
    const pat = applyOps(buildExpr(c.expr), c.ops);
    if (c.random) {
      const cycles = c.cycles ?? 64;
      if (c.skeleton !== undefined) out["skeleton"] = c.skeleton;
      const { stats, haps } = randomStats(pat, c, cycles);
      out["stats"] = stats;
      if (opts.randomHaps) out["haps"] = haps.map(hapJson);
      return out;
    }
    const from = timeArg(c.from ?? 0);
    const to = timeArg(c.to ?? 1);
    out["from"] = from.toNumber();
    out["to"] = to.toNumber();
    out["from_frac"] = from.toFraction();
    out["to_frac"] = to.toFraction();
    const haps = sortHaps(pat.queryArc(from, to));
    out["count"] = haps.length;
    out["haps"] = haps.map(hapJson);
  } catch (err) {
    out["error"] = err instanceof Error ? err.message : String(err);
  }
  return out;
}

/** Run every case. */
export function runCases(cases: OracleCase[], opts: { randomHaps?: boolean } = {}): OracleResult[] {
  return cases.map((c, i) => runCase(c, i, opts));
}

/** Results as the oracle prints them: one case per block, one hap per line. */
export function stringifyResults(results: OracleResult[]): string {
  const lines = ["["];
  results.forEach((r, i) => {
    const { haps, ...rest } = r as OracleResult & { haps?: unknown[] };
    const head = JSON.stringify(rest);
    let s: string;
    if (haps) {
      const inner = haps.map((h) => "    " + JSON.stringify(h)).join(",\n");
      s = `  ${head.slice(0, -1)},"haps":[${haps.length ? "\n" + inner + "\n  " : ""}]}`;
    } else {
      s = "  " + head;
    }
    lines.push(s + (i < results.length - 1 ? "," : ""));
  });
  lines.push("]");
  return lines.join("\n");
}
