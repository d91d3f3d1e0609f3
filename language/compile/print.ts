//! A readable, stable text form of GraphIR: what `phonon check --print` shows and what the golden tests compare.
import type { GraphIR, IRNode, Param } from "./ir.js";

export interface PrintOptions {
  /** Show node keys (they are hashes: useful to debug hot reload, noise in golden files). */
  keys?: boolean;
  /** Show source positions. */
  locs?: boolean;
  /** Each lane's pattern period (`Pattern.period`, by lane id): shown as how the scheduler queries it. */
  periods?: ReadonlyMap<number, number | undefined>;
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(+x.toPrecision(6));
}

function param(p: Param, prefix: string): string {
  if ("const" in p) return num(p.const);
  if ("node" in p) return `${prefix}${p.node}`;
  if ("lane" in p) return `L${p.lane}(init ${num(p.init)})`;
  if ("prev" in p) return `prev(${prefix}${p.prev})`;
  return `in${p.input}`;
}

function data(d: IRNode["data"]): string {
  if (!d) return "";
  return Object.keys(d)
    .sort()
    .map((k) => {
      const v = d[k]!;
      return ` ${k}=${Array.isArray(v) ? `[${v.map(num).join(" ")}]` : typeof v === "number" ? num(v) : JSON.stringify(v)}`;
    })
    .join("");
}

function nodeLine(n: IRNode, prefix: string, opts: PrintOptions): string {
  const params = Object.keys(n.params)
    .map((k) => ` ${k}=${param(n.params[k]!, prefix)}`)
    .join("");
  const loc = opts.locs ? `  @${n.loc.line}:${n.loc.col}` : "";
  const key = opts.keys ? `  #${n.key}` : "";
  return `  ${`${prefix}${n.id}`.padEnd(5)} ${n.kind}${params}${data(n.data)}${loc}${key}`;
}

export function printIR(ir: GraphIR, opts: PrintOptions = {}): string {
  const out: string[] = [];
  const extras = [ir.outmix ? `outmix ${ir.outmix}` : "", ir.buffer ? `buffer ${ir.buffer}` : ""].filter(Boolean).join("  ");
  out.push(`graph v${ir.version}  cps ${num(ir.cps)}${extras ? `  ${extras}` : ""}`);
  if (ir.control) out.push(`control ${JSON.stringify(ir.control)}`);
  out.push("nodes");
  for (const n of ir.nodes) out.push(nodeLine(n, "n", opts));
  if (ir.buses.length) {
    out.push("buses");
    for (const b of [...ir.buses].sort((a, b) => a.node - b.node || a.name.localeCompare(b.name))) out.push(`  ~${b.name} = n${b.node}`);
  }
  out.push("outputs");
  for (const o of ir.outputs) out.push(`  ${o.name} = n${o.node}`);
  if (ir.templates.length) {
    out.push("templates");
    for (const t of ir.templates) {
      const pitch = t.pitch.map((p) => `t${p.node}.${p.param}(base ${num(p.base)})`).join(" ");
      out.push(`  T${t.id} ${t.name}: output t${t.output}${pitch ? `; pitch ${pitch}` : ""}`);
      for (const n of t.nodes) out.push(`  ${nodeLine(n, "t", opts)}`);
    }
  }
  if (ir.lanes.length) {
    out.push("lanes");
    for (const l of ir.lanes) {
      const prefix = l.template === undefined ? "n" : `T${l.template}.t`;
      const target = l.param ? `${prefix}${l.node}.${l.param}` : `${prefix}${l.node}`;
      const loc = opts.locs ? `  @${l.loc.line}:${l.loc.col}` : "";
      let period = "";
      if (opts.periods) {
        const p = opts.periods.get(l.id);
        period = p === undefined ? "  (queried every cycle)" : p === 1 ? "  (static: queried once)" : `  (repeats every ${p} cycles: queried ${p} times)`;
      }
      out.push(`  L${l.id}  ${l.kind.padEnd(7)} ${target}  ${JSON.stringify(l.pattern)}${loc}${period}`);
    }
  }
  return out.join("\n") + "\n";
}
