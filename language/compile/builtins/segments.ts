//! `segments "levels" "times"`: a breakpoint envelope whose lists become the numbered ports level0…level4 and time0…time3 of one node; a longer list becomes several such nodes, summed.
import type { Span } from "../../ast.js";
import type { Val } from "../meaning.js";
import { gatePattern } from "../node.js";
import type { Lower, Ports } from "./table.js";

/** Levels one `segments` node holds (level0…level4); it has one time fewer. */
const NODE_LEVELS = 5;

/** A list argument's numbers: a pattern string of plain numbers, or one number; undefined for anything else. */
function numbers(v: Val | undefined): number[] | undefined {
  if (v?.t === "num") return [v.v];
  if (v?.t !== "pat") return undefined;
  const xs = v.src.trim().split(/\s+/).map(Number);
  return xs.every((x) => Number.isFinite(x)) ? xs : undefined;
}

/**
 * A breakpoint envelope with more segments than one node holds (reference §3.5: `segments
 * "levels" "times"`, a breakpoint envelope; the corpus writes up to 8 levels). The segments are
 * cut into pieces: the first node plays levels 0…4; each further node first holds its start
 * level for as long as the segments before it take (a flat segment from level j to level j),
 * then plays the next three. Each piece holds its start level before, and its end level after,
 * its own segments, so the sum of the pieces minus the levels where they join is the whole
 * envelope at every time, before its trigger (level 0) and after its end (the last level) too.
 */
const long: Lower = (ev, c) => {
  const levels = numbers(c.kw.get("levels") ?? c.args[0]);
  const rawTimes = numbers(c.kw.get("times") ?? c.args[1]);
  if (!levels || !rawTimes) return undefined; // the node's own path reports the error
  // The first negative time ends the envelope (the kernel's rule), and a segment needs both levels.
  const end = rawTimes.findIndex((t) => t < 0);
  const times = rawTimes.slice(0, Math.min(end < 0 ? rawTimes.length : end, levels.length - 1));
  if (times.length < NODE_LEVELS) return undefined; // one node holds it
  const span: Span = c.span;
  const gateArg = c.kw.get("gate") ?? c.args[2];
  let gate: Val | undefined;
  let input: Val | undefined;
  if (c.chainInput?.t === "sound") {
    // An envelope after a sound restarts at each of its events (as for one node: evaluate.ts).
    input = ev.commit(c.chainInput);
    gate = { t: "gatepat", p: c.chainInput.p.fmap(() => 1), span: c.chainInput.span, src: c.chainInput.src };
  } else {
    if (c.chainInput) input = ev.signalParam(c.chainInput);
    if (gateArg) gate = gateArg.t === "num" || gateArg.t === "sig" || gateArg.t === "prev" ? gateArg : gatePattern(ev, gateArg, "the 'gate' of 'segments'", span);
  }
  const node = (ls: number[], ts: number[]): Val => {
    const params: Record<string, Val> = gate ? { gate } : {};
    ls.forEach((v, i) => (params[`level${i}`] = { t: "num", v }));
    ts.forEach((v, i) => (params[`time${i}`] = { t: "num", v }));
    return ev.sig("segments", params, span);
  };
  let total = node(levels.slice(0, NODE_LEVELS), times.slice(0, NODE_LEVELS - 1));
  let elapsed = times.slice(0, NODE_LEVELS - 1).reduce((a, b) => a + b, 0);
  for (let j = NODE_LEVELS - 1; j < times.length; j += NODE_LEVELS - 2) {
    const own = times.slice(j, j + NODE_LEVELS - 2);
    const piece = node([levels[j]!, ...levels.slice(j, j + own.length + 1)], [elapsed, ...own]);
    total = ev.arith("-", ev.arith("+", total, piece, span), { t: "num", v: levels[j]! }, span);
    elapsed += own.reduce((a, b) => a + b, 0);
  }
  return input ? ev.arith("*", input, total, span) : total;
};

export const lower: Record<string, Lower> = { segments: long };

export const ports: Record<string, Ports> = {
  segments: (ev, b, values, data, span) => {
    const levels = (data.levels as number[] | undefined) ?? [];
    const times = (data.times as number[] | undefined) ?? [];
    delete data.levels;
    delete data.times;
    levels.slice(0, NODE_LEVELS).forEach((v, i) => (values[`level${i}`] = { t: "num", v }));
    times.slice(0, NODE_LEVELS - 1).forEach((v, i) => (values[`time${i}`] = { t: "num", v }));
    return undefined;
  },
};
