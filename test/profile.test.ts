//! PROFILE_DETAILED=1 phonon render: a timing row for every node of the program, stages, and block percentiles.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../language/compile/lower.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "phonon-profile-"));

function render(file: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, "cli", "bin.cjs"), "render", file, join(dir, "p.wav"), "--cycles", "1"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

describe("PROFILE_DETAILED", () => {
  it("prints a row for every node of the engine's plan, the nodes fusion folded, and every stage", () => {
    const file = join(root, "patterns", "beat.ph");
    const ir = compile(readFileSync(file, "utf8")).ir!;
    const r = render(file, { PROFILE_DETAILED: "1" });
    expect(r.status, r.stderr).toBe(0);
    const table = r.stdout.slice(r.stdout.indexOf("PROFILE_DETAILED"));
    // Node rows are "<kind>[ ~bus] @line:col  mean  max  share".
    const rows = table.split("\n").filter((l) => /^\s+\w+( ~\w+)? @\d+:\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+%$/.test(l));
    // Fusion folds `* const` and `+ const` into producers and `add` chains into sums: every
    // node of the file is either a row or counted as folded.
    const folded = Number(/fused: (\d+) nodes? of the file folded/.exec(table)?.[1] ?? 0);
    expect(folded).toBeGreaterThan(0);
    expect(rows.length + folded).toBe(ir.nodes.length);
    const irKinds = new Set([...ir.nodes.map((n) => n.kind), "sum"]);
    for (const l of rows) expect(irKinds).toContain(l.trim().split(" ")[0]);
    const stages = table.split("\n").filter((l) => /^\s+stage \d+ \(/.test(l));
    const planStages = Number(/graph\s+\d+ nodes in (\d+) stages/.exec(r.stdout)?.[1]);
    expect(stages).toHaveLength(planStages);
    expect(table).toMatch(/block p50 [\d.]+ µs/);
  });

  it("prints nothing of the kind when it is off", () => {
    const r = render(join(root, "patterns", "sine.ph"), { PROFILE_DETAILED: "" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("PROFILE_DETAILED");
  });
});
