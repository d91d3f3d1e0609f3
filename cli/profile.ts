//! PROFILE_DETAILED: whether it is on, and the printed table of per-node and per-stage times against the block budget.
import type { GraphIR } from "../language/compile/ir.js";
import type { EngineStats, ProfileReport, ProfileRow } from "./engine.js";

/** `PROFILE_DETAILED=1` (or any value but 0/false/empty) turns profiling on. Control thread. */
export function profilingRequested(): boolean {
  const v = process.env.PROFILE_DETAILED;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** A readable label for a node: kind, bus name when it is a bus, source position. */
export function nodeLabel(ir: GraphIR, row: ProfileRow): string {
  const node = ir.nodes[row.id];
  const bus = ir.buses.find((b) => b.node === row.id);
  const where = node ? `${node.loc.line}:${node.loc.col}` : "?";
  return `${row.kind}${bus ? ` ~${bus.name}` : ""} @${where}`;
}

/** The full table: every node, every stage, events, scheduling and block percentiles. */
export function formatProfile(
  report: ProfileReport,
  ir: GraphIR,
  stats: EngineStats,
  sampleRate: number,
  schedulingUs?: { mean: number; max: number },
): string {
  const budget = (report.blockFrames / sampleRate) * 1e6;
  const share = (us: number): string => `${((us / budget) * 100).toFixed(2)}%`;
  const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
  const num = (x: number): string => x.toFixed(2).padStart(9);
  const lines = [
    `PROFILE_DETAILED: ${report.blocks} blocks of ${report.blockFrames} frames; budget ${budget.toFixed(0)} µs per block`,
    `  block p50 ${stats.blockUsP50.toFixed(1)} µs (${share(stats.blockUsP50)}), p99 ${stats.blockUsP99.toFixed(1)} µs (${share(stats.blockUsP99)}), max ${stats.blockUsMax.toFixed(1)} µs (${share(stats.blockUsMax)})`,
    "",
    `  ${pad("node", 40)} ${"mean µs".padStart(9)} ${"max µs".padStart(9)}  share`,
  ];
  for (const row of report.nodes) {
    lines.push(`  ${pad(nodeLabel(ir, row), 40)} ${num(row.meanUs)} ${num(row.maxUs)}  ${share(row.meanUs)}`);
  }
  lines.push("", `  ${pad("stage", 40)} ${"mean µs".padStart(9)} ${"max µs".padStart(9)}  share   schedule`);
  for (const row of report.stages) {
    const nodes = report.stageNodes[row.id] ?? 0;
    const d = report.decisions[row.id];
    const plan = !d
      ? ""
      : d.bins <= 1
        ? `serial (${d.items} item${d.items === 1 ? "" : "s"}${d.costUs > 0 ? `, est. ${d.costUs.toFixed(1)} µs` : ""}${d.backingOff ? `; parallel did not pay${d.efficiency !== null ? ` (efficiency ${(d.efficiency * 100).toFixed(0)}%)` : ""}, tried again every 3 s` : ""})`
        : `${d.bins} workers (${d.items} items, est. ${d.costUs.toFixed(1)} µs${d.efficiency !== null ? `, efficiency ${(d.efficiency * 100).toFixed(0)}%` : ""})`;
    lines.push(`  ${pad(`stage ${row.id} (${nodes} node${nodes === 1 ? "" : "s"})`, 40)} ${num(row.meanUs)} ${num(row.maxUs)}  ${share(row.meanUs).padStart(6)}  ${plan}`);
  }
  if (report.folded > 0) {
    lines.push(`  fused: ${report.folded} node${report.folded === 1 ? "" : "s"} of the file folded into producers or sums (timed with them)`);
  }
  const voices = report.nodes.filter((r) => r.kind === "sampler").reduce((a, r) => a + r.meanUs, 0);
  lines.push(`  ${pad("events (voice starts, lane steps)", 40)} ${num(report.events.meanUs)} ${num(report.events.maxUs)}  ${share(report.events.meanUs)}`);
  lines.push(`  ${pad("voices (sampler nodes)", 40)} ${num(voices)} ${"".padStart(9)}  ${share(voices)}`);
  if (schedulingUs) {
    lines.push(`  ${pad("scheduling (TypeScript, per block)", 40)} ${num(schedulingUs.mean)} ${num(schedulingUs.max)}  ${share(schedulingUs.mean)}`);
  }
  return lines.join("\n");
}
