#!/usr/bin/env node
// Long fuzz campaigns: hostile inputs (cli/fuzz.ts) compiled and scheduled one by one; saves the shortest reproducer per stack top and prints the rate.
//
//   node bench/fuzz.mjs [--count N] [--seed S] [--limit-ms MS] [DIR]
//
// DIR receives one `.ph` file per distinct finding (the shortest input that gave it) and
// findings.json; it defaults to a folder under the system's temp directory, never the repo.
// Needs dist/ (`npm run build`). The CI test (test/fuzz.test.ts) runs a fixed 20,000-input
// campaign; this runs as many as asked, with any seed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { options } from "./args.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const opt = options(args);
const count = Number(opt("--count", 200_000));
const seed = Number(opt("--seed", Date.now() % 1_000_000));
const limitMs = Number(opt("--limit-ms", 2000));
const dir = resolve(args[0] ?? join(tmpdir(), `phonon-fuzz-${seed}`));
if (resolve(dir).startsWith(resolve(root) + "/") || resolve(dir) === resolve(root)) {
  console.error(`bench/fuzz: ${dir} is inside the repository; give a folder outside it`);
  process.exit(1);
}
const lib = join(root, "dist", "cli", "fuzz.js");
if (!existsSync(lib)) {
  console.log("bench/fuzz: skipped: dist/ is not built; run `npm run build` first");
  process.exit(0);
}
const { check, input, seedTexts } = await import(pathToFileURL(lib).href);
const { from, texts } = seedTexts(root);
mkdirSync(dir, { recursive: true });

/** Per distinct finding (kind and stack top): how often, and the shortest input. */
const found = new Map();
const save = () => {
  const list = [...found.values()].map(({ key, count, text, finding }) => ({ key, count, length: text.length, file: `${hash(key)}.ph`, detail: finding.detail }));
  writeFileSync(join(dir, "findings.json"), JSON.stringify({ seed, count: done, limitMs, findings: list }, null, 2) + "\n");
};
const hash = (s) => createHash("sha1").update(s).digest("hex").slice(0, 10);

console.log(`bench/fuzz: seed ${seed}, ${count.toLocaleString("en")} inputs (mutations of ${texts.length} files from ${from}), limit ${limitMs} ms; reproducers in ${dir}`);
const t0 = performance.now();
let done = 0;
let slowest = 0;
let lastReport = t0;
for (let i = 0; i < count; i++) {
  const text = input(seed, i, texts);
  const s = performance.now();
  const f = check(text, limitMs);
  slowest = Math.max(slowest, performance.now() - s);
  done++;
  if (f) {
    const key = `${f.kind} ${f.top}`;
    const prev = found.get(key);
    if (!prev || text.length < prev.text.length) {
      found.set(key, { key, count: (prev?.count ?? 0) + 1, text, finding: f });
      writeFileSync(join(dir, `${hash(key)}.ph`), text);
      if (!prev) console.log(`new finding at input ${i}: ${key}`);
    } else prev.count++;
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    console.log(`  ${done.toLocaleString("en")} inputs, ${(done / ((now - t0) / 1000)).toFixed(0)}/s, ${found.size} distinct findings`);
    save();
  }
}
save();
const secs = (performance.now() - t0) / 1000;
console.log(`inputs   ${done.toLocaleString("en")} in ${secs.toFixed(1)} s (${(done / secs).toFixed(0)} inputs/s); slowest ${slowest.toFixed(0)} ms`);
console.log(`findings ${found.size} distinct${found.size ? ":" : ""}`);
for (const { key, count, text } of found.values()) console.log(`  ${count}× ${key} (shortest ${text.length} chars: ${hash(key)}.ph)`);
