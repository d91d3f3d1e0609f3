//! Golden tests: the printed GraphIR of every patterns/*.ph, compared with test/golden/<name>.txt (UPDATE_GOLDEN=1 rewrites them; review the diff).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";
import { printIR } from "../language/compile/print.js";
import { formatDiagnostic } from "../language/diagnostics.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const patterns = readdirSync(join(root, "patterns")).filter((f) => f.endsWith(".ph")).sort();

describe("golden GraphIR of the bundled patterns", () => {
  for (const file of patterns) {
    it(file, () => {
      const r = compile(readFileSync(join(root, "patterns", file), "utf8"));
      expect(r.diagnostics.map((d) => formatDiagnostic(d, r.map, file))).toEqual([]);
      const text = printIR(r.ir!);
      const golden = join(root, "test", "golden", file.replace(/\.ph$/, ".txt"));
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("has a golden file for every pattern and no stale ones", () => {
    const goldens = readdirSync(join(root, "test", "golden")).filter((f) => f.endsWith(".txt")).sort();
    expect(goldens).toEqual(patterns.map((f) => f.replace(/\.ph$/, ".txt")));
  });
});
