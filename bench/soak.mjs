#!/usr/bin/env node
// A paced soak of `phonon live`: plays on the null sink for BENCH_SOAK_MINUTES (30) with a scripted edit every 2 s (numbers, structure, outputs added and removed, samples, synth voices, feedback), and prints per minute the resident memory, voices, underruns, late events and NaN warnings, then the stop summary.
// Usage: node bench/soak.mjs ; BENCH_SOAK_MINUTES and BENCH_SOAK_EDIT_MS (2000) change the length and the edit interval.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? 30);
const editMs = Number(process.env.BENCH_SOAK_EDIT_MS ?? 2000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The k-th version of the file: a small set set of edits a musician makes, cycled. */
function program(k) {
  const step = k % 12;
  const lines = [`tempo: ${[0.5, 0.55, 0.6][k % 3]}`];
  lines.push(`~drums: s "bd*4 [~ sn] hh*${8 + (k % 3) * 4}"${step % 4 === 0 ? " # lpf 2000 0.7" : ""}`);
  lines.push(`~bass: saw "${55 + (k % 12)} 110 ${82.5 + (k % 5)}" # lpf (sine 0.25 * ${300 + (k % 7) * 50} + 900) 3`);
  lines.push(`~lead: sine_trig "c5 e5 g5 <b5 a5>" 0.005 0.1 0.3 0.2`);
  lines.push(`~verb: (~drums * 0.3 + ~lead * 0.2) # plate 0.02 ${0.4 + (k % 4) * 0.1} 0.7 0.3 0.3 1`);
  lines.push(`~echo: ~lead # delay 0.${250 + (k % 3) * 125} 0.${40 + (k % 5) * 10} 1`);
  lines.push(`out: ~drums * 0.6 + ~bass * 0.2 + ~verb * 0.3${step >= 6 ? " + ~echo * 0.2" : ""}${step === 3 ? ` + s "cp(3,8)" * 0.3` : ""}`);
  if (step % 5 === 2) lines.push(`o2: pink * 0.01 # hpf 4000 0.7`);
  return lines.join("\n") + "\n";
}

/** The machine's CPU time from /proc/stat, ms: busy (all but idle and iowait) and stolen by the hypervisor. */
function cpuMs() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const tick = 10; // USER_HZ is 100 on Linux
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq) * tick, steal: (steal ?? 0) * tick };
}

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dir = mkdtempSync(join(tmpdir(), "phonon-soak-"));
const file = join(dir, "soak.ph");
writeFileSync(file, program(0));
const proc = spawn(process.execPath, [join(root, "cli", "bin.cjs"), "live", file, "--sink", "null", "--no-tui"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
let out = "";
proc.stdout.on("data", (d) => (out += d));
proc.stderr.on("data", (d) => (out += d));
await sleep(2000);
console.log(`soak: phonon live on the null sink for ${minutes} min, an edit every ${editMs} ms (${file})`);
console.log("  min   rss MB (max of the minute)   voices max   underruns   late events   NaN warnings   reloads   machine busy s   steal ms");
const started = Date.now();
let k = 1;
let minute = 0;
let rssMax = 0;
let nextMinute = started + 60_000;
let cpu = cpuMs();
const rows = [];
const last = (re) => Number([...out.matchAll(re)].at(-1)?.[1] ?? NaN);
while (Date.now() - started < minutes * 60_000) {
  if (proc.exitCode !== null) break;
  writeFileSync(file, program(k++));
  const until = Date.now() + editMs;
  while (Date.now() < until) {
    await sleep(Math.min(1000, until - Date.now()));
    if (proc.exitCode === null) rssMax = Math.max(rssMax, rssMb(proc.pid));
  }
  if (Date.now() >= nextMinute) {
    minute++;
    nextMinute += 60_000;
    const voices = Math.max(0, ...[...out.matchAll(/voices (\d+)/g)].slice(-40).map((m) => Number(m[1])));
    const row = { minute, rss: rssMax, voices, underruns: last(/underruns (\d+)/g), late: last(/late events (\d+)/g), nan: (out.match(/NaN\/Inf samples are being flushed/g) ?? []).length, reloads: (out.match(/\[reload\] v\d+/g) ?? []).length };
    rows.push(row);
    // The machine's load in the minute (both cores: up to 120 s), and time the hypervisor took
    // from this machine's CPUs: an underrun in a minute with steal and no load of ours points
    // at the host.
    const now = cpuMs();
    const [busy, steal] = [(now.busy - cpu.busy) / 1000, now.steal - cpu.steal];
    cpu = now;
    console.log(`  ${String(minute).padStart(3)}   ${row.rss.toFixed(1).padStart(8)}                   ${String(row.voices).padStart(6)}       ${String(row.underruns).padStart(6)}      ${String(row.late).padStart(6)}         ${String(row.nan).padStart(4)}         ${String(row.reloads).padStart(4)}      ${busy.toFixed(1).padStart(8)}      ${String(steal).padStart(6)}`);
    rssMax = 0;
    // Keep the captured output short: only the newest status lines matter from here on.
    if (out.length > 4_000_000) out = out.slice(-1_000_000);
  }
}
const alive = proc.exitCode === null;
proc.kill("SIGINT");
await new Promise((r) => (proc.exitCode !== null ? r() : proc.on("exit", r)));
const stop = out.slice(out.indexOf("phonon live: stopped"));
console.log(alive ? "" : "  live exited before the end");
for (const l of stop.split("\n").filter((l) => l.trim())) console.log(`  ${l.trim()}`);
if (rows.length >= 2) {
  const q = Math.max(1, Math.floor(rows.length / 4));
  const first = Math.max(...rows.slice(0, q).map((r) => r.rss));
  const lastQ = Math.max(...rows.slice(-q).map((r) => r.rss));
  console.log(`  memory: the first quarter's peak ${first.toFixed(1)} MB, the last quarter's ${lastQ.toFixed(1)} MB (${(lastQ - first >= 0 ? "+" : "") + (lastQ - first).toFixed(1)} MB)`);
}
if (/panicked|internal error|\[error\]/.test(out)) console.log("  errors in the output: yes (see above)");
