//! The Phonon corpus: every file of ../shared/phonon-corpus/current-syntax.txt compiles, or fails only for a feature language.md lists as unsupported.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { GraphIR, IRNode } from "../language/compile/ir.js";
import { compile } from "../language/compile/lower.js";
import { formatDiagnostic } from "../language/diagnostics.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const corpus = join(root, "..", "shared", "phonon-corpus");
const present = existsSync(join(corpus, "current-syntax.txt"));
if (!present) console.warn(`corpus test skipped: ${corpus} is absent (it comes with ../shared)`);

/** language.md, "Out of scope for now": plugin hosting and MIDI input give these diagnostics. */
const UNSUPPORTED = [/is plugin hosting \(VST\/AU\/CLAP\/LV2\), which is not supported/, /is MIDI input, which is not supported/, /plays MIDI input, which is not supported/];

/**
 * Files that ekg/phonon itself cannot parse in full (its parser stops at the broken statement and
 * plays the rest; we reject the file). Each is listed with the diagnostic it must give.
 */
const BROKEN_IN_PHONON: Record<string, RegExp> = {
  // line 82: `~morph_amps: "1.0" "1.0 0.0 0.33" …`, three strings side by side ("this shows the concept").
  "examples/additive_demo.ph": /^syntax error: expected .*found '"'$/,
};

/** Structural checks every compiled graph must pass. */
function checkGraph(nodes: IRNode[], where: string): void {
  nodes.forEach((n, i) => {
    expect(n.id, where).toBe(i);
    for (const p of Object.values(n.params)) {
      if ("node" in p) expect(p.node, `${where}: n${i} reads a later node`).toBeLessThan(i);
      if ("prev" in p) expect(p.prev, `${where}: n${i}`).toBeGreaterThanOrEqual(0);
      if ("const" in p) expect(Number.isFinite(p.const), `${where}: n${i}`).toBe(true);
    }
  });
  expect(new Set(nodes.map((n) => n.key)).size, `${where}: node keys are unique`).toBe(nodes.length);
}

function checkIR(ir: GraphIR, file: string): void {
  checkGraph(ir.nodes, file);
  for (const t of ir.templates) checkGraph(t.nodes, `${file} template ${t.name}`);
  for (const l of ir.lanes) {
    const nodes = l.template === undefined ? ir.nodes : ir.templates[l.template]!.nodes;
    expect(nodes[l.node], `${file}: lane ${l.id}`).toBeDefined();
  }
  for (const o of ir.outputs) expect(ir.nodes[o.node], file).toBeDefined();
  expect(JSON.parse(JSON.stringify(ir)), file).toEqual(ir);
}

describe.skipIf(!present)("the Phonon corpus", () => {
  it("compiles every current-syntax file, or names an unsupported feature", () => {
    const files = readFileSync(join(corpus, "current-syntax.txt"), "utf8").trim().split("\n");
    let compiled = 0;
    const failed: string[] = [];
    for (const f of files) {
      const r = compile(readFileSync(join(corpus, f), "utf8"));
      if (r.ir) {
        compiled++;
        checkIR(r.ir, f);
        continue;
      }
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      const broken = BROKEN_IN_PHONON[f];
      const allowed = (m: string): boolean => UNSUPPORTED.some((re) => re.test(m)) || (broken !== undefined && broken.test(m));
      const bad = errors.filter((d) => !allowed(d.message));
      expect(bad.map((d) => formatDiagnostic(d, r.map, f)), f).toEqual([]);
      failed.push(`${f}: ${errors[0]!.message}${errors.length > 1 ? ` (+${errors.length - 1})` : ""}`);
    }
    console.log(`corpus: ${compiled} of ${files.length} files compile; the rest name an unsupported feature:\n  ${failed.join("\n  ")}`);
    expect(compiled + failed.length).toBe(files.length);
    expect(compiled).toBeGreaterThanOrEqual(165);
  }, 120_000);
});
