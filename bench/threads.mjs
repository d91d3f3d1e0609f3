#!/usr/bin/env node
// Parallel rendering: block p50/p99/max and render wall with 1 and 2 threads (alternating runs) for the stress patches of ../shared/bench and P1/P2n/P3, and 60 s of stress_extreme.ph in `live` on the null sink with 2 threads.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machineLine } from "./machine.mjs";
import { events, sineBank, subtractive } from "./peers/patches.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { renderFile } = await import(join(root, "dist", "cli", "render.js"));
const dir = mkdtempSync(join(tmpdir(), "phonon-threads-"));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
// The peer patches render 60 s, as ../shared/benchmarks.md defines them.
const peerSeconds = Number(process.env.BENCH_PEER_SECONDS ?? 60);
const liveSeconds = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const threads = [1, Number(process.env.BENCH_THREADS ?? 2)];
const stress = join(root, "..", "shared", "bench");

const cases = [];
if (existsSync(stress)) {
  for (const f of ["stress_extreme.ph", "m.ph", "q.ph", "voices.ph"]) if (existsSync(join(stress, f))) cases.push([f, join(stress, f), seconds]);
} else console.log(`(the stress patches are skipped: ${stress} is absent)`);
for (const [name, text] of [
  ["P1 N=1024", sineBank(1024)],
  ["P2n N=256", subtractive(256, 0.25)],
  ["P3 R=256", events(256, 128, 0.25)],
]) {
  const file = join(dir, `${name.replace(/\W/g, "_")}.ph`);
  writeFileSync(file, text);
  cases.push([name, file, peerSeconds]);
}

// The machine's state before and after (bench/machine.mjs): the 2-thread figures depend on it.
const before = await machineLine();
const rows = [];
for (const [name, file, secs] of cases) {
  const best = new Map(threads.map((t) => [t, { p50: Infinity, p99: Infinity, max: Infinity, wall: Infinity }]));
  for (let r = 0; r < runs; r++) {
    for (const t of threads) {
      const rep = renderFile({ file, out: join(dir, "out.wav"), seconds: secs, threads: t });
      const b = best.get(t);
      const s = rep.stats;
      b.p50 = Math.min(b.p50, s.blockUsP50);
      b.p99 = Math.min(b.p99, s.blockUsP99);
      b.max = Math.min(b.max, s.blockUsMax);
      b.wall = Math.min(b.wall, rep.wallSeconds);
    }
  }
  const [one, two] = threads.map((t) => best.get(t));
  for (const t of threads) {
    const b = best.get(t);
    rows.push({
      patch: name,
      threads: t,
      "block p50 µs": b.p50.toFixed(0),
      "block p99 µs": b.p99.toFixed(0),
      "block max µs": b.max.toFixed(0),
      "render wall s": b.wall.toFixed(3),
      "wall ÷ 1 thread": t === 1 ? "" : (b.wall / one.wall).toFixed(2),
      "p50 ÷ 1 thread": t === 1 ? "" : (b.p50 / one.p50).toFixed(2),
    });
  }
  void two;
}
console.log(`parallel rendering: ${seconds} s (the stress patches) and ${peerSeconds} s (P1/P2n/P3, as ../shared/benchmarks.md renders them) of 44.1 kHz per run, ${runs} runs alternating ${threads.join(" and ")} threads, minimum of each figure; render wall includes the pattern side`);
console.log("targets (2 threads): stress_extreme p99 ≤ 2500 µs; P1 N=1024 wall ≤ 0.55 × 1 thread");
console.log(`before: ${before}`);
console.log(`after:  ${await machineLine()}`);
console.table(rows);

if (existsSync(join(stress, "stress_extreme.ph")) && liveSeconds > 0) {
  const proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "live", join(stress, "stress_extreme.ph"), "--sink", "null", "--no-tui", "--threads", String(threads[1])], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  await new Promise((r) => setTimeout(r, liveSeconds * 1000));
  proc.kill("SIGINT");
  await new Promise((r) => proc.on("exit", r));
  const line = out.split("\n").find((l) => /s rendered; block p50/.test(l)) ?? "(no summary)";
  const head = out.split("\n").find((l) => l.startsWith("phonon live ")) ?? "";
  console.log(`live, stress_extreme.ph, ${liveSeconds} s on the null sink with ${threads[1]} threads (target: 0 underruns, 0 over budget):`);
  console.log(`  ${head.replace(/^phonon live \S+ — /, "")}`);
  console.log(line);
}
rmSync(dir, { recursive: true, force: true });
