#!/usr/bin/env node
// `npm test` after set-up: runs vitest, a type check of the tests and cargo test, and ends with one line "N passed, N failed" over them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "phonon-test-"));
const jsonOut = join(tmp, "vitest.json");
let passed = 0;
let failed = 0;
let skipped = 0;

// vitest: its own report on the terminal, totals from its JSON report.
console.log("== vitest ==");
const v = spawnSync(
  join(root, "node_modules", ".bin", "vitest"),
  // A generous per-test timeout: the live and end-to-end tests run real programs, and a loaded
  // machine must make them slower, not failing.
  ["run", "--testTimeout=30000", "--reporter=default", "--reporter=json", `--outputFile.json=${jsonOut}`],
  { cwd: root, stdio: "inherit" },
);
try {
  const r = JSON.parse(readFileSync(jsonOut, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even when it declared no tests.
  failed += r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
} catch {
  console.error("vitest produced no report");
  failed += 1;
}
if (v.status !== 0 && failed === 0) failed += 1;

// tsc over the tests (strict, as the rest): vitest strips their types without checking them.
console.log("\n== tsc (test/tsconfig.json) ==");
const t = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(root, "test", "tsconfig.json")], { cwd: root, stdio: "inherit" });
if (t.status === 0) {
  console.log("the tests type-check");
  passed += 1;
} else failed += 1;

// cargo test over the pure-Rust core (the napi crate links only inside Node).
console.log("\n== cargo test (engine-rs) ==");
const c = spawnSync("cargo", ["test", "--manifest-path", "engine-rs/Cargo.toml", "-p", "phonon-core", "--color", "never"], {
  cwd: root,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"],
  maxBuffer: 64 * 1024 * 1024,
});
process.stdout.write(c.stdout ?? "");
process.stderr.write(c.stderr ?? "");
let cargoResults = 0;
for (const m of (c.stdout ?? "").matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  skipped += Number(m[3]);
  cargoResults++;
}
if (c.status !== 0 && cargoResults === 0) failed += 1;

rmSync(tmp, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && v.status === 0 && t.status === 0 && c.status === 0 ? 0 : 1);
