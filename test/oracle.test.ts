//! The Strudel oracle as a test: every case of ../shared/oracle/cases.json, judged by the oracle's own compare.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type OracleCase, runCases, stringifyResults } from "../language/pattern/cases.js";

const oracleDir = fileURLToPath(new URL("../../shared/oracle/", import.meta.url));
const present = existsSync(join(oracleDir, "cases.json")) && existsSync(join(oracleDir, "compare.mjs"));

const PASS = new Set(["exact", "defrag-equal", "stats-ok"]);

interface Verdict {
  id: string;
  group?: string;
  verdict: string;
  detail?: string;
}

function judge(): Verdict[] {
  const cases = JSON.parse(readFileSync(join(oracleDir, "cases.json"), "utf8")) as OracleCase[];
  const results = runCases(cases);
  const dir = mkdtempSync(join(tmpdir(), "phonon-oracle-"));
  const actual = join(dir, "results.json");
  writeFileSync(actual, stringifyResults(results));
  const run = spawnSync(process.execPath, [join(oracleDir, "compare.mjs"), join(oracleDir, "expected.json"), actual, "--json"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`compare.mjs produced no output: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { report: Verdict[] }).report;
}

if (!present) {
  describe("Strudel oracle", () => {
    console.warn(`oracle.test.ts: ${oracleDir} is missing (../shared/oracle); the oracle cases were NOT run`);
    it.skip(`needs ${oracleDir}`, () => {});
  });
} else {
  const report = judge();
  describe("Strudel oracle (compare.mjs)", () => {
    const tally: Record<string, number> = {};
    for (const r of report) tally[r.verdict] = (tally[r.verdict] ?? 0) + 1;
    it(`judges all ${report.length} cases (${Object.entries(tally).map(([k, v]) => `${k} ${v}`).join(", ")})`, () => {
      expect(report.length).toBeGreaterThan(0);
    });
    for (const r of report) {
      it(`${r.id} [${r.group ?? ""}]`, () => {
        expect(PASS.has(r.verdict), `${r.verdict}: ${r.detail ?? ""}`).toBe(true);
      });
    }
  });
}
