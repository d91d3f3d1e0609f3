//! Fuzzing: seeded hostile inputs (corpus mutations, grammar-generated programs, mini-notation strings) and the check that compiling each gives only located diagnostics, quickly.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../language/compile/lower.js";
import { EventBatch } from "../language/schedule/events.js";
import { Scheduler } from "../language/schedule/scheduler.js";

/** A seeded generator (mulberry32): the same seed gives the same inputs on every machine. */
export class Random {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The texts mutations start from: the Phonon corpus next to the repo when present, else the repo's own `patterns/`. */
export function seedTexts(root: string): { from: string; texts: string[] } {
  const corpus = join(root, "..", "shared", "phonon-corpus");
  const list = join(corpus, "current-syntax.txt");
  if (existsSync(list)) {
    const files = readFileSync(list, "utf8").trim().split("\n");
    return { from: corpus, texts: files.map((f) => readFileSync(join(corpus, f), "utf8")) };
  }
  const dir = join(root, "patterns");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ph"));
  return { from: dir, texts: files.map((f) => readFileSync(join(dir, f), "utf8")) };
}

// Numbers at the edges: zero, negatives, huge and tiny, not finite, fractional step counts.
const NUMBERS = ["0", "1", "-1", "2", "3", "8", "0.5", "1e9", "1e38", "1e308", "-1e308", "1e-9", "65536", "100001", "Infinity", "NaN", "0.0000001", "99999999999999999999", "1/3", "2.5", "-0"];
const WORDS = ["bd", "sn", "hh", "cp", "~", "~k", "~b", "c4", "e'maj", "0", "1", "3:0", "bd:3"];
const CALLS = [
  "fast", "slow", "rev", "every", "sometimes", "iter", "chunk", "ply", "euclid", "euclidFull", "euclidLegato", "euclidInv", "scan", "run",
  "irand", "segment", "range", "degradeBy", "jux", "off", "stut", "striate", "chop", "linger", "palindrome", "hurry", "swingBy", "late",
  "early", "every_effect", "every_val", "floor", "mtof", "lpf", "hpf", "delay", "reverb", "gain", "pan", "speed", "note", "n", "s", "sine",
  "saw", "square", "tri", "noise", "segments", "line", "mix", "struct", "mask", "zoom", "compress", "inside", "outside", "whenmod",
];
const TOKENS = ["(", ")", "[", "]", '"', "#", "$", "+", "-", "*", "/", ":", "~", "%p", "@t", "|+", "~+", ",", "<", ">", "!", "?", ".", "..", "\n", " ", "--"];

/** A mini-notation string: words, rests, groups and every modifier, nested a few levels. */
export function miniString(r: Random, depth = 0): string {
  const n = 1 + r.int(depth > 2 ? 2 : 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    let x: string;
    const k = r.int(10);
    if (depth < 3 && k === 0) x = `[${miniString(r, depth + 1)}]`;
    else if (depth < 3 && k === 1) x = `<${miniString(r, depth + 1)}>`;
    else if (depth < 3 && k === 2) x = `{${miniString(r, depth + 1)}, ${miniString(r, depth + 1)}}${r.chance(0.5) ? `%${r.pick(NUMBERS)}` : ""}`;
    else if (k === 3) x = `${r.pick(NUMBERS)} .. ${r.pick(NUMBERS)}`;
    else x = r.pick(WORDS);
    const m = r.int(12);
    if (m === 0) x += `*${r.pick(NUMBERS)}`;
    else if (m === 1) x += `/${r.pick(NUMBERS)}`;
    else if (m === 2) x += `!${r.chance(0.5) ? r.pick(NUMBERS) : ""}`;
    else if (m === 3) x += `@${r.pick(NUMBERS)}`;
    else if (m === 4) x += `?${r.chance(0.5) ? r.pick(NUMBERS) : ""}`;
    else if (m === 5) x += `(${r.pick(NUMBERS)},${r.pick(NUMBERS)}${r.chance(0.3) ? `,${r.pick(NUMBERS)}` : ""})`;
    else if (m === 6) x += `:${r.pick(NUMBERS)}`;
    else if (m === 7) x += `*<${r.pick(NUMBERS)} ${r.pick(NUMBERS)}>`;
    parts.push(x);
  }
  const sep = r.int(8);
  return parts.join(sep === 0 ? ", " : sep === 1 ? " | " : sep === 2 ? " . " : " ");
}

function expr(r: Random, depth: number, names: string[]): string {
  const k = r.int(depth > 3 ? 4 : 10);
  if (k === 0) return r.pick(NUMBERS);
  if (k === 1) return `"${miniString(r)}"`;
  if (k === 2) return names.length && r.chance(0.7) ? r.pick(names) : `~${r.pick(["a", "b", "k"])}`;
  if (k === 3) return r.pick(CALLS);
  const f = r.pick(CALLS);
  const args = Array.from({ length: r.int(4) }, () => (r.chance(0.5) ? r.pick(NUMBERS) : `(${expr(r, depth + 1, names)})`));
  const call = [f, ...args].join(" ");
  const j = r.int(6);
  if (j === 0) return `${call} # ${expr(r, depth + 1, names)}`;
  if (j === 1) return `${call} $ ${expr(r, depth + 1, names)}`;
  if (j === 2) return `${expr(r, depth + 1, names)} ${r.pick(["+", "-", "*", "|+", "+|", "~*"])} ${expr(r, depth + 1, names)}`;
  return call;
}

/** A program from a small grammar of the language: definitions of every kind that refer to each other, outputs, settings. */
export function grammarProgram(r: Random): string {
  const lines: string[] = [];
  const names = ["~a", "~b", "~k", "%p", "f"];
  if (r.chance(0.3)) lines.push(`${r.pick(["tempo", "bpm"])}: ${r.pick(NUMBERS)}`);
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const k = r.int(6);
    if (k === 0) lines.push(`fn f x = ${expr(r, 1, [...names, "x"])}`);
    else if (k === 1) lines.push(`%p: "${miniString(r)}"`);
    else if (k === 2) lines.push(`~${r.pick(["a", "b", "k"])} ${r.pick([":", "#", "$"])} ${expr(r, 0, names)}`);
    else lines.push(`${r.pick(["out", "o2", "d1"])}: ${expr(r, 0, names)}`);
  }
  return lines.join("\n") + "\n";
}

/** A corpus text, mutated a few times: spans deleted, duplicated or swapped, tokens and edge numbers inserted, numbers replaced. */
export function mutate(r: Random, text: string, others: readonly string[]): string {
  let t = text;
  const times = 1 + r.int(4);
  for (let i = 0; i < times; i++) {
    const at = r.int(t.length + 1);
    const len = 1 + r.int(40);
    switch (r.int(7)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + len);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
        break;
      case 2:
        t = t.slice(0, at) + r.pick(TOKENS) + t.slice(at);
        break;
      case 3: {
        // Replace a number near `at` with an edge value.
        const m = /\d+(\.\d+)?/g;
        m.lastIndex = at;
        const hit = m.exec(t) ?? /\d+/.exec(t);
        if (hit) t = t.slice(0, hit.index) + r.pick(NUMBERS) + t.slice(hit.index + hit[0].length);
        break;
      }
      case 4: {
        const o = r.pick(others);
        const from = r.int(o.length + 1);
        t = t.slice(0, at) + o.slice(from, from + 1 + r.int(120)) + t.slice(at);
        break;
      }
      case 5:
        t = t.slice(0, at) + ` # ${r.pick(CALLS)} ${r.pick(NUMBERS)}` + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + `"${miniString(r)}"` + t.slice(at);
    }
  }
  return t;
}

/** The i-th input of a campaign with this seed: a third each of corpus mutations, grammar programs and mini-notation strings. */
export function input(seed: number, i: number, texts: readonly string[]): string {
  const r = new Random((seed * 1_000_003 + i) >>> 0);
  switch (i % 3) {
    case 0: {
      // A window of up to 24 lines of a corpus file: as hostile once mutated, and cheaper to
      // compile than the whole file.
      const lines = r.pick(texts).split("\n");
      const from = r.int(lines.length);
      return mutate(r, lines.slice(from, from + 1 + r.int(24)).join("\n"), texts);
    }
    case 1:
      return grammarProgram(r);
    default:
      return `${r.pick(["out: s", "out: n", "out: note", "~k: saw 220\nout: s", "out: sine 440 * 0.1 # lpf"])} "${miniString(r)}"\n`;
  }
}

/** What went wrong with one input, if anything. */
export interface Finding {
  kind: "threw" | "unlocated" | "slow";
  /** The error's name and first stack frame, or the diagnostic: what groups reproducers. */
  top: string;
  detail: string;
  ms: number;
}

/**
 * Compile one input and, when it compiles, schedule its first two cycles. A finding when anything
 * throws, when a diagnostic has no line and column or is an internal compiler error, or when it
 * all takes longer than `limitMs` of this process's CPU time: the work itself, so that an input
 * is not slow only because other processes held the cores (wall time is reported with it).
 */
export function check(text: string, limitMs = 2000): Finding | undefined {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const r = compile(text);
    for (const d of r.diagnostics) {
      if (!(d.line >= 1 && d.col >= 1) || d.message.startsWith("internal compiler error")) {
        return { kind: "unlocated", top: d.message.slice(0, 80), detail: `${d.line}:${d.col} ${d.message}`, ms: performance.now() - t0 };
      }
    }
    if (r.ir) {
      const s = new Scheduler(r.ir, r.lanes, { sampleRate: 48000, resolveSample: () => 1, warn: () => {} });
      const batch = new EventBatch();
      for (let c = 0; c < 2; c++) s.schedule(c, batch);
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const frame = (err.stack ?? "").split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
    return { kind: "threw", top: `${err.name} ${frame.trim()}`, detail: err.stack ?? err.message, ms: performance.now() - t0 };
  }
  const ms = performance.now() - t0;
  if (ms > limitMs) {
    const used = process.cpuUsage(cpu0);
    const cpuMs = (used.user + used.system) / 1000;
    if (cpuMs > limitMs) return { kind: "slow", top: "slow", detail: `${cpuMs.toFixed(0)} ms of CPU (${ms.toFixed(0)} ms wall)`, ms: cpuMs };
  }
  return undefined;
}
