#!/usr/bin/env node
// Differential fuzzing of the pattern engine against Strudel 1.2.6: random oracle cases, both engines' haps, compare.mjs's verdicts grouped by the ops and mini-notation features of the failures.
//
//   node bench/strudel-fuzz.mjs [--count N] [--seed S] [--chunk N] [--timeout-ms MS] [--strudel-timeout-ms MS] [--cases FILE] [DIR]
//
// Generates N cases (default 2000) in the oracle's case format (../shared/oracle/README.md):
// mini-notation expressions (sequences, < >, [ ], { }%n, * and / by whole, fractional and
// patterned factors, !, @, _, ~, ? with seeds, euclid (k,n,r), `,` stacks, `|` choices, `..`,
// numbers, notes, `:` lists) under chains of 1-3 transforms Strudel registers, with fractional,
// zero, negative and large arguments, over query windows near 0, at negative time and far from 0
// (cycles 100-103), fractional and zero-width. Random cases (`?`, `|`, degradeBy, sometimesBy ...)
// are compared exactly, not statistically: our random generator is Strudel's, bit for bit.
//
// Strudel answers through the oracle's haps.mjs, which needs Strudel installed: ../shared/oracle
// with `npm ci` done, or STRUDEL_ORACLE_DIR naming a copy of that folder with node_modules. Ours
// runs from dist/ (`npm run build`) in child processes, a chunk of cases at a time under a time
// limit, so that a hang or a crash is found and named (the chunk is re-run case by case).
// compare.mjs (from the oracle folder) judges; exact and defrag-equal pass, as in
// test/oracle.test.ts. DIR (default: a folder under the system's temp directory, never the repo)
// receives cases.json, expected.json, ours.json, verdicts.json and failures.json. --cases FILE
// re-runs a saved case list instead of generating one. Prints figures; never fails on randomness
// (the exit code is 0 unless the tool itself cannot run).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { options } from "./args.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const opt = options(args);

// ---- child mode: run a chunk of cases through our engine ----
if (args[0] === "--run-ours") {
  const { runCases, stringifyResults } = await import(pathToFileURL(join(root, "dist", "language", "pattern", "cases.js")).href);
  const cases = JSON.parse(readFileSync(args[1], "utf8"));
  writeFileSync(args[2], stringifyResults(runCases(cases)));
  process.exit(0);
}

const count = Number(opt("--count", 2000));
const seed = Number(opt("--seed", Date.now() % 1_000_000));
const chunkSize = Number(opt("--chunk", 100));
const timeoutMs = Number(opt("--timeout-ms", 20_000));
const casesFile = opt("--cases", undefined);
// Strudel has no query limit: a case like fast 1000 under ply can keep haps.mjs busy for many
// minutes. The time one case may take Strudel (a chunk of n cases: n seconds, at least this).
const strudelTimeoutMs = Number(opt("--strudel-timeout-ms", 60_000));
const dir = resolve(args[0] ?? join(tmpdir(), `phonon-strudel-fuzz-${seed}`));
if (dir === resolve(root) || dir.startsWith(resolve(root) + "/")) {
  console.error(`bench/strudel-fuzz: ${dir} is inside the repository; give a folder outside it`);
  process.exit(2);
}
const oracleDir = resolve(process.env.STRUDEL_ORACLE_DIR ?? join(root, "..", "shared", "oracle"));
if (!existsSync(join(oracleDir, "node_modules", "@strudel", "core"))) {
  console.error(`bench/strudel-fuzz: Strudel is not installed in ${oracleDir}; run \`npm ci\` there or set STRUDEL_ORACLE_DIR to a copy with node_modules`);
  process.exit(2);
}
if (!existsSync(join(root, "dist", "language", "pattern", "cases.js"))) {
  console.error("bench/strudel-fuzz: dist/ is not built; run `npm run build` first");
  process.exit(2);
}
mkdirSync(dir, { recursive: true });

// ---- the generator ----

/** mulberry32: a small seeded generator, so that a seed names a case list. */
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const R = rng(seed);
const int = (lo, hi) => lo + Math.floor(R() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(R() * xs.length)];
const chance = (p) => R() < p;
/** Pick by weight from [[weight, thunk], ...]. */
function weighted(table) {
  const total = table.reduce((a, [w]) => a + w, 0);
  let x = R() * total;
  for (const [w, f] of table) {
    x -= w;
    if (x < 0) return f();
  }
  return table[table.length - 1][1]();
}

const WORDS = ["a", "b", "c", "d", "bd", "sn", "hh", "cp"];
const NOTES = ["c4", "e4", "g3", "eb4", "f#3", "a5", "bb2"];
const decimal = () => pick(["0.5", "1.5", "0.25", "2.5", "0.75", ".5", "-1", "-0.5", "3", "12"]);

/** An atom; numeric expressions use numbers only (value ops need them). */
function atom(numeric) {
  if (numeric) return weighted([[6, () => String(int(0, 7))], [1, () => String(-int(1, 3))], [1, decimal]]);
  return weighted([[6, () => pick(WORDS)], [1, () => pick(NOTES)], [1, () => `${pick(WORDS)}:${int(0, 3)}`], [0.3, () => `${pick(WORDS)}:${int(0, 3)}:${pick(["0.5", "2"])}`], [0.3, () => `${pick(WORDS)}:<${int(0, 2)} ${int(0, 2)}>`]]);
}

function factor() {
  return weighted([
    [5, () => String(int(2, 4))],
    [2, () => pick(["1.5", "0.5", "2.5", "0.75", "1.25", "3.5"])],
    [1, () => `<${int(1, 3)} ${int(1, 3)}>`],
    [1, () => `[${int(1, 3)} ${int(1, 3)}]`],
  ]);
}

function modifiers(term) {
  let t = term;
  if (chance(0.12)) {
    // Strudel throws ("Invalid array length") when the pulses exceed the steps: keep k <= n.
    const n = int(1, 9);
    const k = weighted([[6, () => int(0, n)], [1, () => -int(1, n)], [1, () => `<${int(0, n)} ${int(0, n)}>`]]);
    const steps = chance(0.8) ? n : `<${n} ${n + int(1, 3)}>`;
    const rot = chance(0.5) ? "," + pick([int(0, 9), -int(1, 3), `<0 ${int(1, 3)}>`]) : "";
    t += `(${k},${steps}${rot})`;
  }
  if (chance(0.2)) t += `*${factor()}`;
  if (chance(0.1)) t += `/${factor()}`;
  if (chance(0.08)) t += "?" + (chance(0.5) ? pick(["0.3", "0.7", "0.5", "0.9"]) : "");
  if (chance(0.07)) t += chance(0.5) ? `!${int(2, 3)}` : " !";
  if (chance(0.08)) t += `@${pick(["2", "3", "1.5", "0.5"])}`;
  if (chance(0.05)) t += " _";
  return t;
}

/** A term: an atom, a rest or a bracketed group, with modifiers. */
function term(depth, numeric) {
  const base = weighted([
    [8, () => atom(numeric)],
    [1, () => "~"],
    [depth > 0 ? 2 : 0, () => `[${sequence(depth - 1, numeric)}]`],
    [depth > 0 ? 2 : 0, () => `<${sequence(depth - 1, numeric, true)}>`],
    [depth > 0 ? 1 : 0, () => `{${sequence(depth - 1, numeric)}, ${sequence(depth - 1, numeric)}}${chance(0.5) ? "%" + pick([int(1, 5), "<2 3>"]) : ""}`],
    [depth > 0 ? 0.6 : 0, () => `[${sequence(depth - 1, numeric)} | ${sequence(depth - 1, numeric)}${chance(0.3) ? " | " + sequence(depth - 1, numeric) : ""}]`],
    [depth > 0 ? 0.6 : 0, () => `[${sequence(depth - 1, numeric)}, ${sequence(depth - 1, numeric)}]`],
    [numeric ? 0.4 : 0, () => `[${int(0, 3)} .. ${int(0, 5)}]`],
  ]);
  return modifiers(base);
}

/** A sequence of 1-5 terms (no `|` or `,` at this level inside < >, where Strudel forbids them). */
function sequence(depth, numeric, inAngle = false) {
  const n = int(1, inAngle ? 4 : 5);
  const terms = Array.from({ length: n }, () => term(depth, numeric));
  // Rarer constructs: a `^` step marker, a `-` rest, `.` feet (not inside < >).
  if (chance(0.04)) terms[int(0, n - 1)] = "^" + terms[int(0, n - 1)].replace(/^\^/, "");
  if (chance(0.04)) terms.splice(int(0, n), 0, "-");
  if (!inAngle && n > 1 && chance(0.05)) terms.splice(int(1, n - 1), 0, ".");
  // `!` and `_` cannot open a sequence: drop a leading one.
  let s = terms.join(" ").replace(/^\s*[!_]\s*/, "");
  if (s.trim() === "" || /^[!_]/.test(s.trim())) s = atom(numeric);
  return s;
}

/** A top-level mini-notation expression: a sequence, maybe a `,` stack of two. */
function miniExpr(numeric) {
  // Half the expressions are small (depth 0 or 1), so that a failure is easy to read.
  const d = chance(0.5) ? int(0, 1) : int(1, 2);
  let s = sequence(d, numeric);
  if (chance(0.12)) s += ", " + sequence(d, numeric);
  return s;
}

// ---- arguments ----
const smallTime = () =>
  weighted([
    [3, () => pick([0.25, 0.5, 0.75, 1, 0.125, 1.5])],
    [2, () => ({ frac: pick(["1/3", "2/3", "1/5", "3/8", "5/4", "7/3", "-1/3"]) })],
    [1, () => pick([0, -0.25, -1, -1.5])],
    [1, () => pick([2, 3, 7.5, 100.25])],
    [1, () => pick(["<0 0.25>", "<0.5 0 0.125>", "[0 0.25]"])],
  ]);
const speed = () =>
  weighted([
    [4, () => int(1, 4)],
    [2, () => pick([0.5, 1.5, 0.75, 2.5, 0.25])],
    [2, () => ({ frac: pick(["1/3", "2/3", "3/2", "5/3", "4/3"]) })],
    [1, () => pick([0, -1, -2, -0.5])],
    [1, () => pick([16, 32])],
    [1, () => pick(["<1 2>", "<2 0.5>", "[1 2]", "<1 [2 3]>"])],
  ]);
const count_ = () => weighted([[5, () => int(1, 5)], [1, () => pick([0, -1, -2])], [1, () => pick([1.5, 2.5, 8])], [1, () => pick(["<2 3>", "<1 4>", "[2 3]"])]]);
const prob = () => weighted([[5, () => pick([0.1, 0.25, 0.5, 0.75, 0.9])], [1, () => pick([0, 1, 1.5, -0.5])], [1, () => pick(["<0.2 0.8>", "[0 0.5]"])]]);
const boolPat = () => pick(["<1 0>*2 [1 1 0]", "t(<3 5>,8,<0 2>)", "1 ~ ~ 1 ~", "[1 1]@3 0", "true false", "1 1", "1", "0", "{1 0 1}%4", "<1 0 0>", "1 0 1 1", "t f t", "1 [0 1]", "<1 [1 0]>", "t*3 f", "1(3,8)", "t ~ t", "1 0@2", "<1 0> 1?", "[1 0]*1.5"]);
/** Sometimes turn a plain argument into a pattern of it and another (patterned arguments). */
const pat = (gen) => () => {
  const a = gen();
  if (typeof a !== "number" || !chance(0.15)) return a;
  const b = gen();
  return typeof b === "number" ? pick([`<${a} ${b}>`, `[${a} ${b}]`, `<${a} [${a} ${b}]>`, `${a}*2 ${b}`]) : a;
};
const numArg = () => pick([10, 12, -7, 0.5, 1, "<0 12>", "[0 7]", "<1 2 3>"]);

/** Simple functions for function arguments (every, off, sometimesBy, ...). */
function fnArg(numeric) {
  return weighted([
    [3, () => ["fast", pick([2, 3, 1.5, "<1 2>"])]],
    [2, () => ["slow", pick([2, 1.5])]],
    [3, () => ["rev"]],
    [2, () => ["late", pick([0.25, { frac: "1/3" }, 0.125])]],
    [2, () => ["early", pick([0.25, { frac: "1/3" }])]],
    [2, () => ["ply", pick([2, 3, 1.5])]],
    [numeric ? 3 : 0, () => ["add", numArg()]],
    [numeric ? 1 : 0, () => ["mul", pick([2, -1, 0.5])]],
    [1, () => ["degradeBy", pick([0.5, 0.3])]],
    [1, () => ["iter", pick([2, 4])]],
    [1, () => ["segment", pick([2, 4])]],
    [1, () => ["linger", pick([0.25, 0.5])]],
    [1, () => []],
    [1, () => [["fast", 2], ["rev"]]],
  ]);
}

/**
 * One op: returns [op] or [op, op] (chop/striate need object values: ["s"] first). `st` tracks
 * whether values are numbers (value ops need them) and whether they are already objects.
 */
function op(st) {
  const n = st.numeric;
  const table = [
    [6, () => [["fast", pat(speed)()]]],
    [4, () => [["slow", pat(speed)()]]],
    [3, () => [["early", pat(smallTime)()]]],
    [3, () => [["late", pat(smallTime)()]]],
    [4, () => [["rev"]]],
    [3, () => [["ply", pat(count_)()]]],
    [st.obj ? 0 : 2, () => ((st.obj = true), [["s"], ["chop", pat(count_)()]])],
    [st.obj ? 0 : 2, () => ((st.obj = true), [["s"], ["striate", pat(count_)()]])],
    [3, () => [[pick(["iter", "iterBack"]), pat(count_)()]]],
    [2, () => [["palindrome"]]],
    [4, () => [[pick(["every", "firstOf", "lastOf"]), pat(count_)(), fnArg(n)]]],
    [3, () => [["sometimesBy", pat(prob)(), fnArg(n)]]],
    [2, () => [[pick(["sometimes", "often", "rarely", "almostNever", "almostAlways", "someCycles"]), fnArg(n)]]],
    [2, () => [["someCyclesBy", pat(prob)(), fnArg(n)]]],
    [3, () => [[pick(["degradeBy", "undegradeBy"]), pat(prob)()]]],
    [1, () => [[pick(["degrade", "undegrade"])]]],
    [1, () => [["seed", int(0, 100)]]],
    [3, () => [["euclid", pick([3, 5, 0, -3, "<3 5>"]), pick([8, 4, 16, "<8 6>"])]]],
    [2, () => [["euclidRot", pick([3, 5, 2]), pick([8, 7]), pick([0, 2, -1, 9, "<0 1>"])]]],
    [1, () => [["euclidLegato", pick([3, 5, "<3 5>"]), pick([8, 6])]]],
    [1, () => [["euclidLegatoRot", pick([3, 5]), pick([8, 6]), pick([1, 2, -1, "<0 2>"])]]],
    [1, () => [["euclidish", pick([3, 5]), 8, pick([0, 0.5, 1, "<0 0.5>"])]]],
    [3, () => [["off", pat(smallTime)(), fnArg(n)]]],
    [2, () => [["superimpose", fnArg(n)]]],
    [2, () => [["layer", fnArg(n), fnArg(n)]]],
    // jux adds pan to object values (Strudel throws on plain ones): ["s"] first.
    [st.obj ? 0 : 1, () => ((st.obj = true), [["s"], ["jux", fnArg(n)]])],
    [st.obj ? 0 : 1, () => ((st.obj = true), [["s"], ["juxBy", pick([0.5, 0.25, 1]), fnArg(n)]])],
    [3, () => [["segment", pick([1, 2, 4, 3, 1.5, 0.5, "<2 4>", 0])]]],
    [n && !st.obj ? 2 : 0, () => [["range", pick([0, 10, -1]), pick([1, 20, 5, "<2 4>"])]]],
    [3, () => [["linger", pick([0.25, 0.5, { frac: "1/3" }, 1, 2, 0.75, "<0.25 0.5>", 0])]]],
    [3, () => [["zoom", pick([0, 0.25, { frac: "1/3" }, 0.5, -0.25]), pick([0.75, 1, 1.5, 0.5, 2])]]],
    [3, () => [["compress", pick([0, 0.25, { frac: "1/3" }, 0.5]), pick([0.75, 1, 0.5, 1.25])]]],
    [2, () => [["fastGap", pat(speed)()]]],
    [1, () => [["focus", pick([0, 0.25, 0.5]), pick([0.75, 1, 1.5])]]],
    [3, () => [[pick(["inside", "outside"]), pick([2, 4, 0.5, 1.5, { frac: "1/3" }]), fnArg(n)]]],
    [2, () => [["swingBy", pick([{ frac: "1/3" }, 0.25, 0, -0.125]), pick([2, 4, 3, 1.5])]]],
    [1, () => [["swing", pick([2, 4, 3])]]],
    [st.obj ? 0 : 1, () => ((st.obj = true), [["hurry", pat(speed)()]])],
    [3, () => [["struct", boolPat()]]],
    [3, () => [["mask", boolPat()]]],
    [2, () => [[pick(["chunk", "chunkBack", "fastChunk"]), pick([2, 3, 4, "<2 4>"]), fnArg(n)]]],
    [1, () => [["within", pick([0, 0.25]), pick([0.5, 0.75, 1]), fnArg(n)]]],
    [1, () => [["when", boolPat(), fnArg(n)]]],
    [2, () => [["ribbon", pick([0, 0.5, 1, 3.25, -1]), pick([1, 0.5, 2, 1.5])]]],
    [2, () => [["repeatCycles", pick([1, 2, 3, "<1 2>"])]]],
    [1, () => [[pick(["brak", "press"])]]],
    [1, () => [["pressBy", pick([0.25, 0.5, "<0 0.5>", { frac: "1/3" }])]]],
    [1, () => [["plyWith", pick([2, 3]), fnArg(n)]]],
    [1, () => [["echoWith", pick([2, 3]), pick([0.125, { frac: "1/3" }]), fnArg(n)]]],
    [st.obj ? 0 : 1, () => ((st.obj = true), [["echo", pick([2, 3]), pick([0.125, 0.25]), 0.5]])],
    [2, () => [[pick(["shuffle", "scramble"]), pick([2, 4, 3])]]],
    [1, () => [["bite", pick([2, 4]), pick(["0 2 [1 3]", "<0 1> 3", "1 0"])]]],
    [n && !st.obj ? 3 : 0, () => [[pick(["add", "sub", "mul"]), numArg()]]],
    [n && !st.obj ? 2 : 0, () => [[pick(["pick", "inhabit", "pickmod", "pickOut", "pickRestart", "pickReset", "inhabitmod"]), pick([["a b", "c*2", "<d e>"], ["a", "b c d"], ["<a b>", "c(3,8)", "d e"]])]]],
    [st.obj ? 0 : 1, () => [["arp", pick(["0 1", "<0 2> 1", "0 [1 2]"])]]],
    [1, () => [["iter", pick([1, 8, 0])]]],
    // Stepwise (experimental in Strudel) and step-count readers.
    [2, () => [["pace", pick([1, 2, 3, 4, 0.5, "<2 4>", 0])]]],
    [2, () => [[pick(["take", "drop"]), pick([1, 2, -1, 3, "<1 2>", 0.5])]]],
    [2, () => [[pick(["extend", "expand", "contract", "replicate"]), pick([2, 3, 0.5, 1.5, "<1 2>"])]]],
    [1, () => [[pick(["shrink", "grow"]), pick([1, 2, -1, 0.5, "<1 2>"])]]],
    [1, () => [["setSteps", pick([1, 2, 3, 5, 0.5])], [pick(["pace", "take", "drop", "extend", "expand"]), pick([1, 2, 3, "<1 2>"])]]],
    [0.3, () => [["hush"]]],
    [1, () => [[pick(["always", "never"]), fnArg(n)]]],
    [1, () => [["apply", fnArg(n)]]],
    [1, () => [["bypass", pick([0, 1, "<0 1>", "1 0", "<true false>"])]]],
    [1, () => [["into", pick(["1 0", "<1 0> 1", "t f t"]), fnArg(n)]]],
    [n && !st.obj ? 1 : 0, () => [[pick(["log2", "removeUndefineds", "asNumber"])]]],
    [n && !st.obj ? 1 : 0, () => [[pick(["eqt", "net"]), pick(["2", "<1 3>", "0 2"])]]],
    [n && !st.obj ? 1 : 0, () => [[pick(["pickmodOut", "pickmodRestart", "pickmodReset", "pickSqueeze", "pickmodSqueeze", "squeeze"]), pick([["a b", "c*2", "<d e>"], ["a", "b c d"], ["<a b>", "c(3,8)", "d e"]])]]],
    [1, () => [[pick(["euclidrot", "euclidish"]), pick([3, 5]), 8, pick([0, 2, "<0 1>", 0.5])]]],
    // Strudel's composers play several arguments in sequence, and none as silence.
    [n && !st.obj ? 1 : 0, () => [[pick(["add", "sub", "mul", "squeeze", "set", "keepif", "log2"]), ...pick([[], [1, 2], ["0 1", 10], [2, "<1 3>", 0]])]]],
    [1, () => [[pick(["struct", "mask", "reset", "restart"]), ...pick([["1 0", "1"], ["<1 0>", "1 1 0"], ["t f", "t", "f t"]])]]],
    [st.obj || n ? 0 : 1, () => ((st.obj = true), [["as", pick(["s:n", "s:n:gain", "<s:n n:s>", "note", "legato", "dur:vel"])]])],
    [1, () => [["tour", pick(["a b", "c"]), pick(["d e f", "<g h>"])]]],
    [1, () => [[pick(["chunkInto", "chunkBackInto"]), pick([2, 3, 4]), fnArg(n)]]],
    [1, () => [["revv"]]],
    [1, () => [[pick(["onsetsOnly", "discreteOnly", "defragmentHaps", "splitQueries"])]]],
    [1, () => [[pick(["stack", "cat", "seq", "fastcat", "slowcat", "sequence"]), miniExpr(n)]]],
    [1, () => [[pick(["stack", "cat", "fastcat"]), { expr: miniExpr(n), ops: [pick([["fast", 2], ["rev"], ["late", 0.25], ["iter", 3], ["ply", 2], ["degradeBy", 0.4], ["segment", 3]])] }]]],
    [1, () => [[pick(["every", "firstOf", "lastOf"]), pick(["<2 3>", "2 3", "<1 4>"]), fnArg(n)]]],
    [1, () => [["within", pick(["<0 0.5>", 0.25]), pick([0.75, "<0.5 1>"]), fnArg(n)]]],
    [1, () => [[pick(["chop", "striate", "ply", "segment", "linger", "iter", "fast", "slow"]), pick(["<2 3>", "[1 2] 3", "<2 [3 4]>", "1 <2 -1>", "<0.5 1.5>"])]]],
    [1, () => [[pick(["zoom", "compress", "focus"]), pick(["<0 0.25>", "[0 0.5]"]), pick(["<0.5 1>", "0.75 1"])]]],
    [1, () => [[pick(["euclid", "euclidRot", "euclidLegatoRot"]), pick(["<3 5 2>", "3 5", 3]), pick(["<8 16>", 8, "8 12"]), pick(["<0 2>", 1, "1 3"])]]],
    [1, () => [["off", pick(["<0.25 0.125>", "0.25 0.5", "-0.25"]), fnArg(n)]]],
    [1, () => [["swingBy", pick(["<0.1 0.3>", { frac: "1/6" }]), pick(["<2 4>", 4, "2 8"])]]],
    [1, () => [["fast", pick([1000, 64, 333, { frac: "1001/1000" }, 0.001, 1e-3])]]],
    [1, () => [["early", pick([1000.5, -999.25, 1e6, { frac: "1000001/3" }])]]],
    [st.obj ? 0 : 1, () => [[pick(["set", "keep", "keepif"]), pick(["1 0", "<a b>", "x y z"])]]],
    [2, () => [[pick(["reset", "restart", "resetAll", "restartAll"]), pick(["1 0 1", "<1 [1 1]>", "t(3,8)", "1@3 1", "~ 1"])]]],
    [1, () => [[pick(["structAll", "maskAll"]), boolPat()]]],
    [1, () => [["beat", pick(["0,7,10", "<0 4>", "2"]), pick([16, 8, 12])]]],
    [st.obj ? 0 : 1, () => ((st.obj = true), [["s"], [pick(["slice", "splice"]), pick([4, 8, "<4 8>"]), pick(["0 2 [1 3]", "<0 1> 3", "1 0*2"])]])],
    [st.obj ? 0 : 1, () => ((st.obj = true), [["s"], [pick(["loopAt", "fit"]), pick([2, 1, 0.5, "<1 2>"])]])],
    [st.obj ? 0 : 1, () => ((st.obj = true), [[pick(["stut"]), pick([2, 3]), 0.5, pick([0.125, 0.25])]])],
    [1, () => [["stutWith", pick([2, 3]), pick([0.125, { frac: "1/3" }]), fnArg(n)]]],
    [1, () => [["cpm", pick([30, 60, 90, 120])]]],
    [1, () => [["rib", pick([0, 2.5, 7]), pick([1, 0.25, 2])]]],
    [1, () => [["fastGap", pick([0, -1, 0.5])]]],
    [n && !st.obj ? 2 : 0, () => [[pick(["div", "mod", "pow", "lt", "gt", "lte", "gte", "eq", "ne", "band", "bor", "bxor", "and", "or"]), pick(["2", "<1 3>", "0 2", "3"])]]],
    [n && !st.obj ? 1 : 0, () => [[pick(["inv", "invert", "round", "floor", "ceil", "toBipolar", "fromBipolar", "ratio"])]]],
    [n && !st.obj ? 1 : 0, () => [[pick(["range2", "rangex"]), pick([1, 2]), pick([4, 8])]]],
    [n && !st.obj ? 1 : 0, () => [["arp", pick(["0 1", "<0 2> 1", "up", "0 [1 2]"])]]],
    [1, () => [["xfade", pick([0, 0.5, 1, "<0 1>"]), miniExpr(n)]]],
    [st.obj ? 1 : 0, () => [[pick(["legato", "clip", "gain", "pan", "speed", "dur", "duration", "vel", "velocity", "n", "note", "orbit", "cut"]), pick([0.5, 2, "<1 0.5>", "0.25 1"])]]],
    // Irrational factors (binary fractions with 2^52 denominators), also twice and at far windows.
    [1, () => [[pick(["fast", "slow", "late", "early"]), pick([Math.PI, Math.SQRT2, 1 / Math.PI, Math.E, 0.1])]]],
    // Irrational bounds and amounts: Strudel compares some of them as numbers (within, fastGap).
    [1, () => [[pick(["zoom", "compress", "focus"]), pick([0, 1 / Math.PI, 0.1, Math.SQRT2 - 1]), pick([0.5 + 1 / Math.E, 0.9, Math.PI / 4, 1])]]],
    [1, () => [["within", pick([1 / Math.PI, 0.1, Math.SQRT2 - 1, 0]), pick([Math.PI / 4, 0.9, 1]), fnArg(n)]]],
    [1, () => [[pick(["linger", "pressBy", "segment", "ply", "fastGap", "iter"]), pick([1 / Math.PI, Math.SQRT2, Math.E, 0.1])]]],
    [1, () => [["off", pick([1 / Math.PI, 0.1, -Math.SQRT2]), fnArg(n)]]],
    [1, () => [["swingBy", pick([1 / Math.PI, 0.1]), pick([2, 4, Math.E])]]],
    [1, () => [["ribbon", pick([Math.PI, 0.1, 1000 / Math.E]), pick([1 / Math.E, Math.SQRT2])]]],
  ];
  return weighted(table);
}

function windowOf() {
  const from = weighted([
    [4, () => 0],
    [2, () => int(1, 6)],
    [2, () => int(100, 103)],
    [1, () => -int(1, 3)],
    [2, () => ({ frac: `${int(1, 40)}/${pick([3, 4, 7, 8])}` })],
    [1, () => ({ frac: `${int(300, 412)}/4` })],
    [1, () => ({ frac: `-${int(1, 9)}/4` })],
  ]);
  const width = weighted([
    [5, () => 1],
    [3, () => 2],
    [1, () => 4],
    [1, () => 0.5],
    [1, () => ({ frac: "1/3" })],
    [1, () => ({ frac: "7/3" })],
    [0.6, () => 0],
  ]);
  // from + width as an exact "n/d" when either side is a fraction.
  if (typeof from === "number" && typeof width === "number") return { from, to: from + width };
  const [fn, fd] = typeof from === "number" ? [from, 1] : from.frac.split("/").map(Number);
  const [wn, wd] = typeof width === "number" ? [width * 2, 2] : width.frac.split("/").map(Number);
  const n = fn * wd + wn * fd;
  const d = fd * wd;
  return { from, to: { frac: `${n}/${d}` } };
}

function makeCase(i) {
  const numeric = chance(0.45);
  const st = { numeric, obj: false };
  let expr = miniExpr(numeric);
  if (chance(0.08)) expr = weighted([
    [1, () => ({ stack: [expr, miniExpr(numeric)] })],
    [1, () => ({ cat: [expr, miniExpr(numeric)] })],
    [1, () => ({ timecat: [[pick([1, 2, 0.5]), expr], [pick([1, 3]), miniExpr(numeric)]] })],
    [numeric ? 1 : 0, () => ({ run: int(0, 6) })],
    [numeric ? 1 : 0, () => ({ irand: int(1, 8) })],
    [numeric ? 1 : 0, () => ({ signal: pick(["saw", "sine", "tri", "square", "isaw", "rand", "perlin"]), ops: [["segment", pick([4, 3, "<2 4>"])]] })],
  ]);
  const ops = [];
  const k = int(1, 3);
  for (let j = 0; j < k; j++) ops.push(...op(st));
  return { id: `f${seed}-${i}`, expr, ops, ...windowOf() };
}

// ---- running ----
const cases = casesFile ? JSON.parse(readFileSync(casesFile, "utf8")) : Array.from({ length: count }, (_, i) => makeCase(i));
writeFileSync(join(dir, "cases.json"), JSON.stringify(cases, null, 0));

/**
 * Strudel's answers, chunk by chunk (a haps.mjs process each); a chunk that runs past its time is
 * asked again case by case, and a case that alone runs past --strudel-timeout-ms is recorded as
 * Strudel's error (so it is not judged) and listed.
 */
function runStrudel() {
  const t0 = Date.now();
  const out = [];
  const slow = [];
  const ask = (list, timeout) => {
    const r = spawnSync(process.execPath, [join(oracleDir, "haps.mjs")], {
      cwd: oracleDir,
      input: JSON.stringify(list),
      encoding: "utf8",
      maxBuffer: 1 << 30,
      timeout,
      killSignal: "SIGKILL",
    });
    if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGKILL") return undefined;
    if (!r.stdout) throw new Error(`haps.mjs gave no output: ${r.stderr.slice(-2000)}`);
    return JSON.parse(r.stdout);
  };
  for (let i = 0; i < cases.length; i += chunkSize) {
    const list = cases.slice(i, i + chunkSize);
    const answers = ask(list, Math.max(strudelTimeoutMs, list.length * 1000));
    if (answers) {
      out.push(...answers);
      continue;
    }
    for (const c of list) {
      const one = ask([c], strudelTimeoutMs);
      if (one) out.push(...one);
      else {
        slow.push(c);
        out.push({ id: c.id, error: `Strudel took more than ${strudelTimeoutMs} ms (bench/strudel-fuzz)` });
      }
    }
  }
  writeFileSync(join(dir, "expected.json"), JSON.stringify(out));
  return { results: out, slow, ms: Date.now() - t0 };
}

/** Our results, chunk by chunk in child processes; a chunk that hangs or crashes is re-run case by case. */
function runOurs() {
  const t0 = Date.now();
  const out = [];
  const problems = [];
  const runChunk = (list) => {
    const f = join(dir, "chunk.json");
    writeFileSync(f, JSON.stringify(list));
    const outFile = join(dir, "chunk-out.json");
    writeFileSync(outFile, "");
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--run-ours", f, outFile], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
      timeout: timeoutMs * Math.max(1, list.length / 10),
      killSignal: "SIGKILL",
    });
    if (r.status === 0) return { ok: true, results: JSON.parse(readFileSync(outFile, "utf8")) };
    return { ok: false, why: r.error?.code === "ETIMEDOUT" || r.signal === "SIGKILL" ? "HANG" : `CRASH ${r.stderr.split("\n").slice(0, 6).join(" | ")}` };
  };
  for (let i = 0; i < cases.length; i += chunkSize) {
    const list = cases.slice(i, i + chunkSize);
    const r = runChunk(list);
    if (r.ok) {
      out.push(...r.results);
      continue;
    }
    for (const c of list) {
      const one = runChunk([c]);
      if (one.ok) out.push(...one.results);
      else {
        problems.push({ id: c.id, why: one.why, case: c });
        out.push({ id: c.id, error: `${one.why.slice(0, 4)} (bench/strudel-fuzz)` });
      }
    }
  }
  writeFileSync(join(dir, "ours.json"), JSON.stringify(out));
  return { results: out, problems, ms: Date.now() - t0 };
}

const strudel = runStrudel();
const ours = runOurs();

/**
 * Our answers must not depend on the cases asked before (a pattern changed in place, a cache):
 * every case is asked again, all in one process in reverse order, and any answer that differs
 * from the chunked run's is listed.
 */
function stateLeaks() {
  const f = join(dir, "reversed.json");
  const outFile = join(dir, "reversed-out.json");
  writeFileSync(f, JSON.stringify([...cases].reverse()));
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--run-ours", f, outFile], { encoding: "utf8", maxBuffer: 1 << 30, timeout: timeoutMs * Math.max(1, cases.length / 10), killSignal: "SIGKILL" });
  if (r.status !== 0) return undefined; // a hang or crash is reported by the chunked run
  const again = new Map(JSON.parse(readFileSync(outFile, "utf8")).map((x) => [String(x.id), JSON.stringify(x)]));
  return ours.results.filter((x) => !String(x.error ?? "").includes("(bench/strudel-fuzz)") && again.get(String(x.id)) !== JSON.stringify(x)).map((x) => String(x.id));
}
const leaks = stateLeaks();
const cmp = spawnSync(process.execPath, [join(oracleDir, "compare.mjs"), join(dir, "expected.json"), join(dir, "ours.json"), "--json"], {
  encoding: "utf8",
  maxBuffer: 1 << 28,
});
const { tally, report } = JSON.parse(cmp.stdout);
writeFileSync(join(dir, "verdicts.json"), JSON.stringify(report, null, 1));

const PASS = new Set(["exact", "defrag-equal", "stats-ok"]);
const byId = new Map(cases.map((c) => [c.id, c]));
// compare.mjs says ERROR whenever we threw, even when Strudel threw too: that is agreement.
const strudelThrew = new Set(strudel.results.filter((r) => r.error).map((r) => String(r.id)));
const bothThrew = report.filter((r) => r.verdict === "ERROR" && strudelThrew.has(String(r.id))).length;
const failing = report.filter((r) => !PASS.has(r.verdict) && r.verdict !== "SKIP" && !(r.verdict === "ERROR" && strudelThrew.has(String(r.id))));

/**
 * Strudel keeps state between the cases of one haps.mjs run: setSteps mutates the pattern it is
 * given, and some functions return the shared `silence` (fast 0 does), so after such a case every
 * later silence has another step count. A failing case is asked again alone, in a fresh process;
 * when its answer then agrees with ours it is counted apart (an artefact of the batch), not as ours.
 */
function confirmAlone(list) {
  if (list.length === 0) return { real: [], stateful: [] };
  const alone = join(dir, "alone");
  mkdirSync(alone, { recursive: true });
  const expected = [];
  for (const f of list) {
    const r = spawnSync(process.execPath, [join(oracleDir, "haps.mjs")], { cwd: oracleDir, input: JSON.stringify([byId.get(f.id)]), encoding: "utf8", maxBuffer: 1 << 28 });
    expected.push(...JSON.parse(r.stdout || "[]"));
  }
  const ourById = new Map(ours.results.map((r) => [String(r.id), r]));
  writeFileSync(join(alone, "expected.json"), JSON.stringify(expected));
  writeFileSync(join(alone, "ours.json"), JSON.stringify(list.map((f) => ourById.get(String(f.id)))));
  const again = spawnSync(process.execPath, [join(oracleDir, "compare.mjs"), join(alone, "expected.json"), join(alone, "ours.json"), "--json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  const ok = new Set(JSON.parse(again.stdout).report.filter((r) => PASS.has(r.verdict)).map((r) => String(r.id)));
  return { real: list.filter((f) => !ok.has(String(f.id))), stateful: list.filter((f) => ok.has(String(f.id))) };
}
const { real: failures, stateful } = confirmAlone(failing.slice(0, 300));
failures.push(...failing.slice(300));
writeFileSync(join(dir, "failures.json"), JSON.stringify(failures.map((f) => ({ ...f, case: byId.get(f.id) })), null, 1));

/** The features of a case: its op names and the mini-notation constructs it uses. */
function features(c) {
  const fs = new Set();
  const walkOps = (ops) => {
    for (const o of ops ?? []) {
      if (!Array.isArray(o) || typeof o[0] !== "string") continue;
      fs.add(`op:${o[0]}`);
      for (const a of o.slice(1)) {
        if (Array.isArray(a) && typeof a[0] === "string") walkOps([a]);
        else if (Array.isArray(a) && a.every((x) => Array.isArray(x))) walkOps(a);
        else if (typeof a === "string") fs.add("arg:patterned");
        else if (typeof a === "number" && a < 0) fs.add("arg:negative");
        else if (a === 0) fs.add("arg:zero");
      }
    }
  };
  walkOps(c.ops);
  const minis = [];
  const walkExpr = (e) => {
    if (typeof e === "string") minis.push(e);
    else if (e && typeof e === "object") for (const v of Object.values(e)) Array.isArray(v) ? v.forEach((x) => walkExpr(Array.isArray(x) ? x[1] : x)) : walkExpr(v);
  };
  walkExpr(c.expr);
  const m = minis.join(" ");
  const marks = [["<", "mini:<>"], ["{", "mini:{}"], ["(", "mini:euclid"], ["?", "mini:?"], ["|", "mini:|"], ["!", "mini:!"], ["@", "mini:@"], ["_", "mini:_"], ["..", "mini:.."], ["/", "mini:/"], ["*", "mini:*"], [",", "mini:,"]];
  for (const [s, f] of marks) if (m.includes(s)) fs.add(f);
  const from = typeof c.from === "object" ? Number(c.from.frac.split("/")[0]) / Number(c.from.frac.split("/")[1]) : c.from;
  fs.add(from >= 100 ? "win:far" : from < 0 ? "win:negative" : "win:near");
  return [...fs];
}

const total = new Map();
const bad = new Map();
for (const c of cases) for (const f of features(c)) total.set(f, (total.get(f) ?? 0) + 1);
for (const r of failures) for (const f of features(byId.get(r.id))) bad.set(f, (bad.get(f) ?? 0) + 1);

console.log(`strudel-fuzz: seed ${seed}, ${cases.length} cases, dir ${dir}`);
console.log(`  Strudel ${(strudel.ms / 1000).toFixed(1)} s, ours ${(ours.ms / 1000).toFixed(1)} s`);
console.log(`  verdicts: ${Object.entries(tally).map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`  Strudel threw on ${strudelThrew.size} (SKIP, or ERROR when we threw too: ${bothThrew}); judged ${report.length - strudelThrew.size}, failing ${failures.length}`);
if (stateful.length) console.log(`  ${stateful.length} more failed only inside the batch and agree when Strudel is asked alone (Strudel's state between cases): ${stateful.map((f) => f.id).join(" ")}`);
for (const p of ours.problems) console.log(`  ${p.why.slice(0, 4)}: ${p.id} ${JSON.stringify(p.case)}`);
if (leaks === undefined) console.log("  ours in one reversed run: did not finish (see the chunked run's HANG/CRASH lines)");
else console.log(`  ours in one reversed run: ${leaks.length ? `${leaks.length} answers differ from the chunked run's (state between cases): ${leaks.join(" ")}` : "the same answers (no state between cases)"}`);
for (const c of strudel.slow) console.log(`  Strudel took more than ${strudelTimeoutMs} ms (not judged): ${c.id} ${JSON.stringify(c)}`);
const rows = [...bad.entries()].map(([f, b]) => [f, b, total.get(f), b / total.get(f)]).sort((x, y) => y[3] - x[3] || y[1] - x[1]);
if (rows.length) {
  console.log("  feature: failing / cases with it (failure rate), worst first");
  for (const [f, b, t, r] of rows.slice(0, 40)) console.log(`    ${f.padEnd(24)} ${String(b).padStart(5)} / ${String(t).padStart(5)}  ${(100 * r).toFixed(1)}%`);
}
