//! Layers played together: `stack [a, b]` (sounds, transforms or signals) and `mix a b c`.
import type { Span } from "../../ast.js";
import { stack } from "../../pattern/pattern.js";
import type { Evaluator } from "../evaluate.js";
import type { Sound, Val, Xf } from "../meaning.js";
import { xf } from "../transform.js";
import { limitOf } from "./sound.js";
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = {
  stack: (ev, c) => stackOf(ev, ev.listArg(c.args, c.b.name, c.nameSpan), c.span),
  mix: (ev, c) => {
    if (c.args.length === 0) return ev.error("'mix' needs signals to sum", c.nameSpan);
    return c.args.reduce((acc, x) => ev.arith("+", acc, x, c.span));
  },
};

function stackOf(ev: Evaluator, items: Val[], span: Span): Val {
  if (items.every((x) => x.t === "sound")) {
    const sounds = items as Sound[];
    // Sounds with their own synths or different voice limits stay separate nodes.
    const limits = new Set(sounds.map((s) => s.voices));
    if (sounds.some((s) => s.anon) || limits.size > 1) return items.map((x) => ev.commit(x as Sound)).reduce((a, b) => ev.arith("+", a, b, span));
    return { t: "sound", p: stack(...sounds.map((s) => s.p)), span, src: sounds.map((s) => s.src).join(", "), ...limitOf(sounds) };
  }
  if (items.every((x) => x.t === "xf")) {
    // `stack [fast 2, rev]` as a transform: the layers of each.
    const fs = items as Xf[];
    return xf(ev, "stack", span, undefined, (v) => fs.map((f) => ev.signalParam(f.apply(v))).reduce((a, b) => ev.arith("+", a, b, span)));
  }
  return items.map((x) => ev.signalParam(x)).reduce((a, b) => ev.arith("+", a, b, span));
}
