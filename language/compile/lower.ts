//! Lowering: a parsed .ph program becomes GraphIR: settings and commands, every bus, the outputs (or Phonon's auto-routing), then emission.
import type { Program, Span, Statement } from "../ast.js";
import { checkProgram } from "../check.js";
import { Abandon, type Diagnostic, type SourceMap, diagnostic, didYouMean } from "../diagnostics.js";
import { Parser } from "../parse.js";
import { findCycles } from "./cycle.js";
import { type CompiledLane, Emitter } from "./emit.js";
import { DEFAULT_CPS, Evaluator, GLOBAL } from "./evaluate.js";
import { STACK_OVERFLOW, faultMessage, isStackOverflow } from "./fault.js";
import { type GraphIR, IR_VERSION } from "./ir.js";

export type { CompiledLane };
export { DEFAULT_CPS };

export interface CompileResult {
  /** Absent when there is any error: a program with errors is never played. */
  ir?: GraphIR;
  lanes: CompiledLane[];
  diagnostics: Diagnostic[];
  map: SourceMap;
}

function lowerProgram(ev: Evaluator, emitter: Emitter): GraphIR {
  const outputDefs = new Map<string, Statement & { type: "output" }>();
  const hushed = new Set<string>();
  let buffer: number | undefined;
  let outmix: string | undefined;
  const control: NonNullable<GraphIR["control"]> = {};
  let hushAll = false;
  for (const s of ev.program.statements) {
    if (s.type === "output") outputDefs.set(canonicalOutput(s.name), s);
    else if (s.type === "buffer") {
      if (!(s.size >= 64 && s.size <= 16384)) ev.report("warning", `buffer: ${s.size} is outside 64…16384; it is clamped`, s.span);
      buffer = Math.min(16384, Math.max(64, Math.round(s.size)));
    } else if (s.type === "outmix") {
      if (!["none", "gain", "sqrt", "tanh", "hard"].includes(s.mode)) {
        ev.report("error", `unknown outmix mode '${s.mode}'`, s.modeSpan, didYouMean(s.mode, ["none", "gain", "sqrt", "tanh", "hard"]));
      } else outmix = s.mode;
    } else if (s.type === "command") {
      const ch = s.channel === undefined ? undefined : `out${s.channel}`;
      if (s.command === "hush") {
        if (ch) hushed.add(ch);
        else hushAll = true;
      } else if (s.command === "unhush") {
        if (ch) hushed.delete(ch);
        else {
          hushAll = false;
          hushed.clear();
        }
      } else if (s.command === "setCycle") control.setCycle = s.value!;
      else if (s.command === "nudge") control.nudge = s.value!;
      else if (s.command === "resetCycles") control.resetCycles = true;
      else if (s.command === "panic") control.panic = true;
    }
  }

  // Every bus is evaluated, so that its errors are reported even when nothing plays it.
  for (const [name, def] of ev.buses) {
    if (def.params.length > 0) continue;
    ev.attempt(() => (def.op === "#" ? ev.scoped(`mod:${name}`, () => ev.expr(def.expr, GLOBAL)) : ev.busValue(name, def.nameSpan)));
  }
  for (const [name] of ev.patterns) ev.attempt(() => ev.patternValue(name, ev.patterns.get(name)!.nameSpan));

  const outputs: { name: string; node: number }[] = [];
  for (const [name, s] of outputDefs) {
    if (hushAll || hushed.has(name)) continue;
    ev.attempt(() => {
      const v = ev.scoped(`out:${name}`, () => ev.asSignal(ev.expr(s.expr, GLOBAL), s.expr.span));
      outputs.push({ name, node: located(ev, s.expr.span, () => emitter.output(v, s.expr.span)) });
    });
  }
  if (outputDefs.size === 0 && !hushAll) autoRoute(ev, emitter, outputs);

  const buses: { name: string; node: number }[] = [];
  for (const [name, v] of ev.busValues) {
    const id = emitter.emitted(ev.committed(v));
    if (id !== undefined) buses.push({ name, node: id });
  }
  const ir: GraphIR = {
    version: IR_VERSION,
    cps: ev.cps,
    nodes: emitter.global.nodes,
    buses,
    outputs,
    templates: emitter.templates,
    lanes: emitter.lanes,
    ...(outmix ? { outmix } : {}),
    ...(buffer ? { buffer } : {}),
    ...(Object.keys(control).length ? { control } : {}),
  };
  if (outputDefs.size === 0 && outputs.length === 0 && !hushAll && !ev.parseFailed && ev.diagnostics.every((d) => d.severity !== "error")) {
    ev.report("warning", "nothing to play: the file has no output, so it is silent", { start: 0, end: 0 }, "add an output such as `out: sine 440 * 0.2`");
  }
  return ir;
}

/** f, with an error it throws (pattern code queried while emitting) reported at `span` in plain words. */
function located<T>(ev: Evaluator, span: Span, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Abandon || isStackOverflow(e)) throw e;
    return ev.error(faultMessage(e), span);
  }
}

/** Phonon's auto-routing when there is no out/oN/dN: ~master, else ~out, else ~d1… and ~out1… summed, else every bus × 0.25. */
function autoRoute(ev: Evaluator, emitter: Emitter, outputs: { name: string; node: number }[]): void {
  const names = [...ev.buses.keys()].filter((n) => ev.buses.get(n)!.params.length === 0 && ev.buses.get(n)!.op !== "#");
  const pick = names.includes("master") ? ["master"] : names.includes("out") ? ["out"] : names.filter((n) => /^(d|out)\d+$/.test(n));
  const chosen = pick.length ? pick : names;
  const scale = pick.length ? 1 : 0.25;
  for (const name of chosen) {
    ev.attempt(() => {
      const def = ev.buses.get(name)!;
      const v = ev.busValue(name, def.nameSpan);
      if (!pick.length && !(v.t === "sig" || v.t === "sound")) return;
      ev.scoped(`auto:${name}`, () => {
        const sig = ev.asSignal(v, def.span);
        const out = scale === 1 ? sig : ev.arith("*", sig, { t: "num", v: scale }, def.span);
        outputs.push({ name: `~${name}`, node: located(ev, def.span, () => emitter.output(out, def.span)) });
      });
    });
  }
}

/** A compiler that remembers its last parse, for live re-compiles after small edits. */
export class Compiler {
  readonly parser = new Parser();
  /** Told the source offset of each expression as evaluation reaches it (`live` locates a compile that takes too long with it). */
  progress?: (offset: number) => void;
  compile(text: string): CompileResult {
    return compileWith(this.parser, text, this.progress);
  }
}

function compileWith(parser: Parser, text: string, progress?: (offset: number) => void): CompileResult {
  const parsed = parser.parse(text);
  const ev = new Evaluator(parsed.program, parsed.map, parsed.diagnostics.length > 0, progress);
  const emitter = new Emitter(parsed.map, ev.diagnostics, ev.feedback);
  let ir: GraphIR | undefined;
  let overflow = false;
  try {
    ir = lowerProgram(ev, emitter);
  } catch (e) {
    if (isStackOverflow(e)) overflow = true;
    else if (!(e instanceof Abandon)) {
      const message = e instanceof Error ? e.message : String(e);
      ev.diagnostics.push(diagnostic(parsed.map, "error", `internal compiler error: ${message}`, { start: 0, end: 0 }));
    }
  }
  if (overflow || ev.diagnostics.some((d) => d.message.includes(STACK_OVERFLOW))) explainOverflow(ev, parsed.program, parsed.map, overflow);
  const seen = new Set<string>();
  const diagnostics = [...parsed.diagnostics, ...checkProgram(parsed.program, parsed.map), ...ev.diagnostics]
    .filter((d) => {
      const k = `${d.span.start}:${d.span.end}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.span.start - b.span.start);
  const failed = diagnostics.some((d) => d.severity === "error");
  return { ...(failed || !ir ? {} : { ir }), lanes: failed ? [] : emitter.compiled, diagnostics, map: parsed.map };
}

/**
 * A stack overflow while lowering: when the program has a cycle of definitions, that is the reason,
 * and each cycle is reported where it closes, in place of the overflow; otherwise the overflow
 * stands (`uncaught`: it escaped every expression, so it is reported at the file's start).
 */
function explainOverflow(ev: Evaluator, program: Program, map: SourceMap, uncaught: boolean): void {
  const cycles = findCycles(program, map);
  if (cycles.length > 0) {
    const kept = ev.diagnostics.filter((d) => !d.message.includes(STACK_OVERFLOW));
    ev.diagnostics.length = 0;
    ev.diagnostics.push(...kept, ...cycles);
  } else if (uncaught) ev.diagnostics.push(diagnostic(map, "error", STACK_OVERFLOW, { start: 0, end: 0 }));
}

/** Parse and lower a whole file. Pure and deterministic. */
export function compile(text: string): CompileResult {
  return compileWith(new Parser(), text);
}

function canonicalOutput(name: string): string {
  const m = /^(?:out|o|d)(\d+)$/.exec(name);
  return m ? `out${m[1]}` : name;
}
