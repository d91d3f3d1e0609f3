#!/usr/bin/env node
// Render throughput: the P1 sine bank of ../shared/benchmarks.md (N = 1, 64, 256, 1024) and the bundled patterns, through `phonon render`'s code path.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sineBank, sineBankRms } from "./peers/patches.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { renderFile } = await import(join(root, "dist", "cli", "render.js"));
const dir = mkdtempSync(join(tmpdir(), "phonon-bench-"));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
// Serial unless BENCH_THREADS says otherwise (bench/threads.mjs compares thread counts).
const threadsUsed = Number(process.env.BENCH_THREADS ?? 1);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(name, file, voices) {
  const walls = [];
  let report;
  for (let r = 0; r < runs; r++) {
    report = renderFile({ file, out: join(dir, "bench.wav"), seconds, threads: threadsUsed });
    walls.push(report.wallSeconds);
  }
  const wall = median(walls);
  const frames = report.frames;
  const s = report.stats;
  const row = {
    name,
    voices,
    "wall s (median)": wall.toFixed(3),
    "wall s (min)": Math.min(...walls).toFixed(3),
    "× realtime": (seconds / wall).toFixed(1),
    "ns/sample/voice": voices ? ((wall * 1e9) / frames / voices).toFixed(2) : "",
    "block p50 µs": s.blockUsP50.toFixed(0),
    "block p99 µs": s.blockUsP99.toFixed(0),
    "block max µs": s.blockUsMax.toFixed(0),
    rms: s.rms[0].toFixed(4),
  };
  return row;
}

const rows = [];
for (const n of [1, 64, 256, 1024]) {
  const file = join(dir, `p1-${n}.ph`);
  writeFileSync(file, sineBank(n));
  const row = bench(`P1 sine bank N=${n}`, file, n);
  row["expected rms"] = sineBankRms(n).toFixed(4);
  rows.push(row);
}
for (const f of readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph")).sort()) {
  rows.push(bench(`patterns/${f}`, join(root, "patterns", f), 0));
}
console.log(`render throughput: ${seconds} s of 44.1 kHz stereo per run, ${runs} runs, ${threadsUsed} thread(s), 512-frame blocks (budget 11610 µs)`);
console.table(rows);
rmSync(dir, { recursive: true, force: true });
