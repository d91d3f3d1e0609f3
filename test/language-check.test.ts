//! `phonon check`: the one-line summary, --ir and --print, diagnostics with exit code 1, and the note about kernels the engine lacks.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCheck } from "../cli/check.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), "phonon-check-"));

function check(...argv: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCheck(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("phonon check", () => {
  it("prints a one-line summary for a good file", () => {
    const f = join(root, "patterns", "beat.ph");
    const r = check(f);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([`${f}: ok — 4 buses, 14 nodes, 3 lanes, 1 outputs, 0.5 cps`]);
  });

  it("notes no missing kernel now that the engine implements every catalogue kernel", () => {
    // fchorus and diffuser (reference §3.4) lower to the chorus and allpass kernels.
    const r = check(file("fx.ph", "out: saw 55 # fchorus # diffuser"));
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).not.toMatch(/does not implement/);
  });

  it("prints the GraphIR as JSON with --ir and as text with --print", () => {
    const f = file("s.ph", "out: sine 440 * 0.5");
    const ir = JSON.parse(check(f, "--ir").out.join("\n"));
    expect(ir.version).toBe(1);
    expect(ir.nodes.map((n: { kind: string }) => n.kind)).toEqual(["sine", "mul"]);
    expect(check(f, "--print").out[0]).toBe("graph v1  cps 0.5\nnodes\n  n0    sine freq=440  @1:6\n  n1    mul a=n0 b=0.5  @1:6\noutputs\n  out = n1");
  });

  it("--print says how the scheduler queries each lane: once, once per period, or every cycle", () => {
    const f = file("lanes.ph", 'd1: s "bd sn"\nd2: s "<bd sn cp>"\nd3: s "bd? sn"\n');
    const lanes = check(f, "--print").out[0]!.split("\n").filter((l) => /^ {2}L\d/.test(l));
    expect(lanes).toHaveLength(3);
    expect(lanes[0]).toMatch(/"bd sn".*\(static: queried once\)$/);
    expect(lanes[1]).toMatch(/"<bd sn cp>".*\(repeats every 3 cycles: queried 3 times\)$/);
    // Random ('?'): no period, so it is queried every cycle.
    expect(lanes[2]).toMatch(/"bd\? sn".*\(queried every cycle\)$/);
  });

  it("prints every diagnostic and exits 1 on errors", () => {
    const f = file("bad.ph", "out: sinx 440\n~a: saw (3\n");
    const r = check(f);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err[0]).toContain(`${f}:1:6: error: unknown function 'sinx'`);
    expect(r.err[1]).toContain(`${f}:2:11: error: syntax error`);
    expect(r.err[2]).toBe(`${f}: 2 errors`);
  });

  it("refuses a missing file, a missing argument and unknown options without a stack trace", () => {
    expect(check(join(dir, "nope.ph")).err).toEqual([`phonon: ${join(dir, "nope.ph")}: no such file`]);
    expect(check().code).toBe(1);
    expect(check("x.ph", "--bogus").err[0]).toMatch(/unknown option --bogus/);
  });
});
