#!/usr/bin/env node
// Edit-to-sound latency of `phonon live` (null sink): file write to the first block of the new program, for a 100-line file, p50/p99 over repeated one-number edits (targets p50 ≤ 25 ms, p99 ≤ 60 ms); and the render thread's share of a reload (the swap) for stress_extreme.ph-sized graphs (target ≤ 50 µs).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const edits = Number(process.env.BENCH_EDITS ?? 60);
const dir = mkdtempSync(join(tmpdir(), "phonon-edit-"));
const file = join(dir, "hundred.ph");

/** A 100-line program: 24 buses of 4 lines (a comment, an oscillator, a filter, a gain) and a mix. */
function program(k) {
  const lines = ["-- a 100-line program for the edit-to-sound benchmark", "tempo: 0.5"];
  for (let i = 0; i < 24; i++) {
    lines.push(`-- voice ${i}`);
    lines.push(`~osc${i}: saw ${55 * (1 + (i % 8))}`);
    lines.push(`~f${i}: ~osc${i} # lpf ${i === 0 ? 500 + k : 800 + i * 10} 0.7`);
    lines.push(`~v${i}: ~f${i} * 0.02`);
  }
  lines.push('~drums: s "bd*4, hh*8"');
  lines.push(`out: ${Array.from({ length: 24 }, (_, i) => `~v${i}`).join(" + ")} + ~drums * 0.5`);
  return lines.join("\n") + "\n";
}

writeFileSync(file, program(0));
const proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "live", file, "--sink", "null", "--no-tui"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
const latencies = [];
let waiting;
proc.stdout.on("data", (d) => {
  for (const m of d.toString().matchAll(/\[reload\] v(\d+) .*save-to-sound (\d+) ms/g)) {
    if (Number(m[1]) > 1) latencies.push(Number(m[2]));
    waiting?.();
  }
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(1500);
for (let k = 1; k <= edits; k++) {
  const heard = new Promise((r) => (waiting = r));
  writeFileSync(file, program(k));
  await Promise.race([heard, sleep(2000)]);
  await sleep(150);
}
proc.kill("SIGINT");
await new Promise((r) => proc.on("exit", r));
rmSync(dir, { recursive: true, force: true });
const s = [...latencies].sort((a, b) => a - b);
const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
console.log(`edit-to-sound, 100-line file, ${s.length} edits (write → first block of the new program, null sink):`);
console.log(`  p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, min ${s[0]} ms, max ${s[s.length - 1]} ms (targets: p50 ≤ 25 ms, p99 ≤ 60 ms)`);

// The swap on the render thread: the offline engine takes each new program as `live`'s render
// thread does (Renderer::swap, timed inside the engine). A structural edit of one output (the
// others' nodes move) and a number edit (constants patched), each repeated; minimum and max.
const { Engine } = await import(join(root, "dist", "cli", "engine.js"));
const { compile } = await import(join(root, "dist", "language", "compile", "lower.js"));
const stress = join(root, "..", "shared", "bench", "stress_extreme.ph");
const { existsSync, readFileSync } = await import("node:fs");
const base = existsSync(stress) ? readFileSync(stress, "utf8") : program(0);
const what = existsSync(stress) ? "stress_extreme.ph" : "the 100-line program (../shared absent)";
const variants = [
  ["structural edit of one output", (k) => `${base}\no99: ${k % 2 ? "saw" : "sine"} 1 * 0\n`],
  ["number edit", (k) => `${base}\no99: sine ${100 + k} * 0\n`],
];
for (const [label, text] of variants) {
  const engine = new Engine(44100, 512);
  const irs = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => {
    const r = compile(text(k));
    if (!r.ir) throw new Error(`${label}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
    return r.ir;
  });
  const swaps = [];
  engine.load(irs[0]);
  engine.render(44100);
  for (let k = 1; k < irs.length; k++) {
    engine.load(irs[k]);
    swaps.push(engine.stats().swapUsLast);
    engine.render(4096);
  }
  const st = engine.stats();
  console.log(`render-thread swap, ${what}, ${label}: min ${Math.min(...swaps).toFixed(1)} µs, max ${Math.max(...swaps).toFixed(1)} µs over ${swaps.length} swaps (${st.crossfades} crossfades, ${st.patches} patches; target ≤ 50 µs)`);
}
