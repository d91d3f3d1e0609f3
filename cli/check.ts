//! `phonon check file.ph [--ir | --print] [--keys]`: parse and compile, print the diagnostics or a one-line summary (or the GraphIR).
import { readFileSync } from "node:fs";
import { compile } from "../language/compile/lower.js";
import { printIR } from "../language/compile/print.js";
import { formatDiagnostic } from "../language/diagnostics.js";

export const CHECK_USAGE = "usage: phonon check <file.ph> [--ir | --print] [--keys]";

/**
 * Runs the check; returns the exit code (0 ok, 1 errors). `out` and `err` default to the console.
 * Options: `--ir` prints the GraphIR as JSON, `--print` as readable text, `--keys` adds node keys to it.
 */
export function runCheck(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): number {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const files = argv.filter((a) => !a.startsWith("--"));
  const unknown = [...flags].filter((f) => !["--ir", "--print", "--keys"].includes(f));
  if (unknown.length) {
    err(`phonon: unknown option ${unknown[0]} (known: --ir --print --keys)`);
    return 1;
  }
  if (files.length !== 1) {
    err(CHECK_USAGE);
    return 1;
  }
  const file = files[0]!;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    err(`phonon: ${file}: no such file`);
    return 1;
  }
  const r = compile(text);
  for (const d of r.diagnostics) err(formatDiagnostic(d, r.map, file));
  if (!r.ir) {
    const n = r.diagnostics.filter((d) => d.severity === "error").length;
    err(`${file}: ${n} error${n === 1 ? "" : "s"}`);
    return 1;
  }
  const ir = r.ir;
  if (flags.has("--ir")) out(JSON.stringify(ir, null, 2));
  else if (flags.has("--print")) {
    const periods = new Map((r.lanes ?? []).map((l) => [l.id, l.pattern.period] as const));
    out(printIR(ir, { keys: flags.has("--keys"), locs: true, periods }).trimEnd());
  }
  else {
    const voices = ir.templates.length ? `, ${ir.templates.length} synth template${ir.templates.length === 1 ? "" : "s"}` : "";
    out(
      `${file}: ok — ${ir.buses.length} buses, ${ir.nodes.length} nodes, ${ir.lanes.length} lanes${voices}, ${ir.outputs.length} outputs, ${+ir.cps.toPrecision(6)} cps`,
    );
  }
  return 0;
}
