#!/usr/bin/env node
// `phonon live` keeping time: runs a patch (default ../shared/bench/stress_extreme.ph) on the null sink for BENCH_LIVE_SECONDS (60) and prints the stop summary's late events, underruns and over-budget blocks, and the pattern side's CPU per cycle as a share of the cycle's duration, read from /proc per thread (every thread not named phonon-*: the JS main thread, pattern workers, GC and libuv helpers), after the first BENCH_WARMUP_SECONDS (5).
// Usage: node bench/live.mjs [file.ph] ; BENCH_RUNS repeats the run (figures per run, then the minimum of each); PHONON_BIN runs another build's cli/bin.cjs (for a before/after comparison).
// BENCH_LIVE_SLOW_SAVE=1 plays a copy of the file and, half-way through the measured time, saves it with a line whose compile takes about 2 s (a query the event budget refuses only after working through it: the compile ends in a located error, so the old program must play on); the figures then include that save.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const file = process.argv[2] ?? join(root, "..", "shared", "bench", "stress_extreme.ph");
if (!existsSync(file)) {
  console.log(`(skipped: ${file} is absent)`);
  process.exit(0);
}
const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const runs = Number(process.env.BENCH_RUNS ?? 1);
const slowSave = process.env.BENCH_LIVE_SLOW_SAVE === "1";
/** A line whose compile takes ~2 s on this machine and ends in the event budget's located error. */
const SLOW_LINE = 'o99: n "1 .. 40000@1e70 3" # s "bd" # gain 0';
const bin = process.env.PHONON_BIN ?? join(root, "cli", "bin.cjs");
const TICK = 100; // USER_HZ: /proc times are in 1/100 s

/** CPU seconds by thread class: the engine's threads (named phonon-*) and the rest (the JS side). */
function cpu(pid) {
  const out = { engine: 0, js: 0 };
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const s = (Number(f[11]) + Number(f[12])) / TICK;
      out[comm.startsWith("phonon-") ? "engine" : "js"] += s;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run() {
  const dir = slowSave ? mkdtempSync(join(tmpdir(), "phonon-live-bench-")) : undefined;
  const played = dir ? join(dir, "patch.ph") : file;
  if (dir) writeFileSync(played, readFileSync(file, "utf8"));
  try {
    return await measure(played);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(played) {
  const proc = spawn(process.execPath, [bin, "live", played, "--sink", "null", "--no-tui"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  await sleep(warmup * 1000);
  if (proc.exitCode !== null) throw new Error(`phonon live exited early:\n${out}`);
  const a = cpu(proc.pid);
  const t0 = performance.now();
  if (slowSave) {
    await sleep(((seconds - warmup) / 2) * 1000);
    writeFileSync(played, readFileSync(file, "utf8").trimEnd() + "\n" + SLOW_LINE + "\n");
    await sleep(((seconds - warmup) / 2) * 1000);
  } else await sleep((seconds - warmup) * 1000);
  const b = cpu(proc.pid);
  const wall = (performance.now() - t0) / 1000;
  proc.kill("SIGINT");
  await new Promise((r) => proc.on("exit", r));
  const stop = out.slice(out.indexOf("phonon live: stopped"));
  const num = (re, text = stop) => Number(text.match(re)?.[1] ?? NaN);
  const cps = Number([...out.matchAll(/\[status\] v\d+ cycle [\d.]+ ([\d.]+) cps/g)].at(-1)?.[1] ?? NaN);
  const jsPerCycle = ((b.js - a.js) / (wall * cps)) * 1000;
  return {
    late: num(/late events (\d+)/),
    underruns: num(/underruns (\d+)/),
    overBudget: num(/over budget (\d+);/),
    dropped: num(/dropped events (\d+)/),
    jsMsPerCycle: jsPerCycle,
    jsShare: (b.js - a.js) / wall,
    engineShare: (b.engine - a.engine) / wall,
    cps,
    summary: out.split("\n").filter((l) => /^ {2}\S/.test(l) || /^phonon live: stopped/.test(l)),
  };
}

console.log(`live on the null sink: ${file.replace(root, "")}, ${seconds} s per run, ${runs} run${runs === 1 ? "" : "s"}; CPU from /proc after the first ${warmup} s`);
if (slowSave) console.log(`  half-way through each run the file is saved with a slow line: ${SLOW_LINE}`);
const rows = [];
for (let i = 0; i < runs; i++) {
  const r = await run();
  rows.push(r);
  for (const l of r.summary) console.log(`  ${l.trim()}`);
  console.log(
    `  run ${i + 1}: late events ${r.late}, underruns ${r.underruns}, over budget ${r.overBudget}${Number.isNaN(r.dropped) ? "" : `, dropped events ${r.dropped}`}; ` +
      `pattern side (JS threads) ${r.jsMsPerCycle.toFixed(1)} ms CPU per cycle = ${((r.jsMsPerCycle / 1000) * r.cps * 100).toFixed(2)} % of a cycle (${(r.jsShare * 100).toFixed(1)} % of a core); engine threads ${(r.engineShare * 100).toFixed(1)} % of a core`,
  );
}
if (runs > 1) {
  const min = (k) => Math.min(...rows.map((r) => r[k]));
  console.log(`  minimum over ${runs} runs: late events ${min("late")}, underruns ${min("underruns")}, pattern side ${min("jsMsPerCycle").toFixed(1)} ms CPU per cycle`);
}
