#!/usr/bin/env node
// Pattern-query throughput (haps per second) over the oracle's deterministic cases, ours against Strudel 1.2.6 in the same run.
//
// Ours: the compiled pattern engine in dist/ (`npm run build`). Strudel: the oracle's own
// `haps.mjs --bench`, which needs `npm ci` in ../shared/oracle (or STRUDEL_ORACLE_DIR pointing at a
// copy of that folder with node_modules installed). Both build each case's pattern once and then
// query it cycle by cycle over cycles 0..63 (as a scheduler does), repeatedly, for about 2 s.
// Runs alternate (ours, Strudel, ours, ...) and the medians are compared.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sharedOracle = join(root, "..", "shared", "oracle");
const casesFile = join(sharedOracle, "cases.json");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

if (!existsSync(casesFile)) {
  console.log(`bench/haps: skipped: ${sharedOracle} is absent (the oracle cases live in ../shared/oracle)`);
  process.exit(0);
}
const dist = join(root, "dist", "language", "pattern");
if (!existsSync(join(dist, "cases.js"))) {
  console.log("bench/haps: skipped: dist/ is not built; run `npm run build` first");
  process.exit(0);
}

const { applyOps, buildExpr } = await import(pathToFileURL(join(dist, "cases.js")).href);
const { Rational } = await import(pathToFileURL(join(dist, "rational.js")).href);
const { TimeSpan } = await import(pathToFileURL(join(dist, "span.js")).href);

const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const pats = [];
for (const c of cases) {
  if (c.random) continue;
  try {
    pats.push(applyOps(buildExpr(c.expr), c.ops));
  } catch {
    /* a case that fails to build is skipped, as the oracle's bench does */
  }
}
const spans = Array.from({ length: 64 }, (_, k) => new TimeSpan(Rational.of(k), Rational.of(k + 1)));

function ours() {
  const once = () => {
    let n = 0;
    for (const p of pats) for (const s of spans) n += p.query(s).length;
    return n;
  };
  once(); // warm-up
  let haps = 0;
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < 2e9) {
    haps += once();
    rounds++;
    el = Number(process.hrtime.bigint() - t0);
  }
  return { haps_per_s: haps / (el / 1e9), haps, rounds, patterns: pats.length };
}

/** A copy of the oracle folder in the system's temp directory with Strudel installed by `npm ci`
 * (../shared is read-only; the project itself never depends on Strudel). */
function installStrudel() {
  const dir = join(tmpdir(), "phonon-strudel-oracle");
  if (existsSync(join(dir, "node_modules", "@strudel", "core"))) return dir;
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(sharedOracle)) {
    if (f.endsWith(".json") || f.endsWith(".mjs")) copyFileSync(join(sharedOracle, f), join(dir, f));
  }
  console.log(`bench/haps: installing Strudel 1.2.6 for the comparison (npm ci in ${dir})`);
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  return r.status === 0 ? dir : undefined;
}

function findStrudel() {
  for (const dir of [process.env.STRUDEL_ORACLE_DIR, sharedOracle]) {
    if (dir && existsSync(join(dir, "node_modules", "@strudel", "core")) && existsSync(join(dir, "haps.mjs"))) return dir;
  }
  return process.env.PHONON_NO_INSTALL ? undefined : installStrudel();
}
const strudelDir = findStrudel();

function strudel() {
  const r = spawnSync(process.execPath, [join(strudelDir, "haps.mjs"), "--bench"], {
    cwd: strudelDir,
    input: readFileSync(casesFile),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`strudel bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => `${(x / 1e6).toFixed(3)} M haps/s`;

const oursRuns = [];
const strudelRuns = [];
for (let i = 0; i < ROUNDS; i++) {
  oursRuns.push(ours().haps_per_s);
  if (strudelDir) strudelRuns.push(strudel().haps_per_s);
}
console.log(`patterns: ${pats.length} deterministic oracle cases, cycles 0..63 queried one by one, ${ROUNDS} runs of ~2 s each`);
console.log(`phonon : ${fmt(median(oursRuns))} (median; runs ${oursRuns.map((x) => (x / 1e6).toFixed(3)).join(", ")})`);
if (!strudelDir) {
  console.log(
    "strudel: skipped: Strudel is not installed; run `npm ci` in ../shared/oracle (or set STRUDEL_ORACLE_DIR to a copy with node_modules)",
  );
} else {
  console.log(`strudel: ${fmt(median(strudelRuns))} (median; runs ${strudelRuns.map((x) => (x / 1e6).toFixed(3)).join(", ")})`);
  console.log(`ratio  : ${(median(oursRuns) / median(strudelRuns)).toFixed(2)}x Strudel 1.2.6 (target >= 3x)`);
}
