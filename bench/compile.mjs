#!/usr/bin/env node
// Compile latency: parse + compile of the largest Phonon corpus file, in full and after a one-line edit (incremental re-parse); p50 and p99 over many runs (target: p50 ≤ 20 ms incremental).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = process.env.PHONON_DIST ?? join(root, "dist");
const { compile, Compiler } = await import(join(dist, "language", "compile", "lower.js"));
const corpus = join(root, "..", "shared", "phonon-corpus");
const runs = Number(process.env.BENCH_RUNS ?? 40);

function pick() {
  if (!existsSync(join(corpus, "current-syntax.txt"))) {
    console.log(`note: ${corpus} is absent; timing patterns/beat.ph instead`);
    return { name: "patterns/beat.ph", text: readFileSync(join(root, "patterns", "beat.ph"), "utf8") };
  }
  const files = readFileSync(join(corpus, "current-syntax.txt"), "utf8").trim().split("\n");
  let best;
  for (const f of files) {
    const text = readFileSync(join(corpus, f), "utf8");
    if (!compile(text).ir) continue;
    if (!best || text.length > best.text.length) best = { name: f, text };
  }
  return best;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, min ${Math.min(...xs).toFixed(2)} ms`;

const { name, text } = pick();
const lines = text.split("\n");
console.log(`file: ${name} (${lines.length} lines, ${text.length} chars)`);

// Full: a fresh parser and compiler every time.
for (let i = 0; i < 5; i++) compile(text); // warm up
const full = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = compile(text);
  full.push(performance.now() - t0);
  if (!r.ir) throw new Error(`${name} does not compile`);
}
console.log(`full parse+compile:        ${fmt(full)}`);

// Incremental: one compiler kept across edits; each run changes a number on one line, as a live edit does.
const numbered = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^[~\w].*[:$#].*\d/.test(l) && !l.trim().startsWith("--"));
const compiler = new Compiler();
compiler.compile(text);
const incremental = [];
for (let i = 0; i < runs + 5; i++) {
  const { l, i: at } = numbered[i % numbered.length];
  const edited = [...lines];
  edited[at] = l.replace(/(\d+)(?![^"]*"(?:[^"]*"[^"]*")*[^"]*$)/, (d) => String(Number(d) + 1 + (i % 3)));
  const t0 = performance.now();
  const r = compiler.compile(edited.join("\n"));
  const dt = performance.now() - t0;
  if (i >= 5) incremental.push(dt);
  if (!r.ir) throw new Error(`edit of line ${at + 1} broke the file`);
}
console.log(`incremental one-line edit: ${fmt(incremental)}  (parser: ${JSON.stringify(compiler.parser.stats)})`);
console.log(`target p50 ≤ 20 ms incremental: ${pct(incremental, 50) <= 20 ? "met" : "NOT met"}`);
