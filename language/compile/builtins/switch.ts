//! Values and effects switched per cycle: `every_val`, `sometimes_val`, `sometimes_by_val`, `whenmod_val`, and `every_effect`, `sometimes_effect`, `whenmod_effect`.
import type { Span } from "../../ast.js";
import { type Pattern, pure } from "../../pattern/pattern.js";
import * as random from "../../pattern/random.js";
import * as time from "../../pattern/ops/time.js";
import type { Evaluator } from "../evaluate.js";
import type { Val } from "../meaning.js";
import type { Lower } from "./table.js";

const values: Lower = (ev, c) => valueSwitch(ev, c.b.name, c.args, c.span, c.nameSpan);
const effects: Lower = (ev, c) => effectFunction(ev, c.b.name, c.args, c.span, c.nameSpan);

export const lower: Record<string, Lower> = {
  every_val: values,
  sometimes_val: values,
  sometimes_by_val: values,
  whenmod_val: values,
  every_effect: effects,
  sometimes_effect: effects,
  whenmod_effect: effects,
};

function valueSwitch(ev: Evaluator, name: string, args: Val[], span: Span, nameSpan: Span): Val {
  const n = (i: number): number => ev.numberArg(args[i], name, nameSpan);
  const pick = (on: number, off: number, f: (p: Pattern<number>, g: (p: Pattern<number>) => Pattern<number>) => Pattern<number>): Val => ({
    t: "pat",
    p: f(pure(off), (p) => p.fmap(() => on)),
    span,
    src: name,
  });
  switch (name) {
    case "every_val":
      return pick(n(1), n(2), (p, g) => time.firstOf(p, Math.round(n(0)), g));
    case "sometimes_val":
      return pick(n(0), n(1), (p, g) => random.someCyclesBy(p, 0.5, g));
    case "sometimes_by_val":
      return pick(n(1), n(2), (p, g) => random.someCyclesBy(p, n(0), g));
    default:
      return pick(n(2), n(3), (p, g) => time.whenmod(p, Math.round(n(0)), Math.round(n(1)), g));
  }
}

function effectFunction(ev: Evaluator, name: string, args: Val[], span: Span, nameSpan: Span): Val {
  const input = args[0] ?? ev.error(`'${name}' needs an input signal`, nameSpan);
  const fx = args[args.length - 1]!;
  const wet = fx.t === "xf" ? fx.apply(input) : fx;
  const n = (i: number): number => ev.numberArg(args[i], name, nameSpan);
  const one = (p: Pattern<number>): Pattern<number> => p.fmap(() => 1);
  const sw =
    name === "every_effect" ? time.firstOf(pure(0), Math.round(n(1)), one) : name === "sometimes_effect" ? random.someCyclesBy(pure(0), 0.5, one) : time.whenmod(pure(0), Math.round(n(1)), Math.round(n(2)), one);
  return ev.sig("xfade", { a: ev.signalParam(input), b: ev.signalParam(wet), pos: { t: "pat", p: sw, span, src: name } }, span);
}
