//! `sew` and `stitch`: two patterns interleaved by a boolean pattern.
import type { Span } from "../../ast.js";
import * as compose from "../../pattern/ops/compose.js";
import { type Pattern, stack } from "../../pattern/pattern.js";
import { toSoundControls } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import type { Controls, Val } from "../meaning.js";
import { limitOf } from "./sound.js";
import type { Lower } from "./table.js";

const sewing: Lower = (ev, c) => sew(ev, c.b.name, c.args, c.span, c.nameSpan);

export const lower: Record<string, Lower> = { sew: sewing, stitch: sewing };

function sew(ev: Evaluator, name: string, args: Val[], span: Span, nameSpan: Span): Val {
  if (args.length !== 3) return ev.error(`'${name}' takes a boolean pattern and two patterns: ${name} "t f" "bd*2" "hh*4"`, nameSpan);
  const bools = ev.patternArg(args[0], name, nameSpan);
  const isSound = args[1]!.t === "sound" || args[2]!.t === "sound" || name === "stitch" || name === "sew";
  const toP = (v: Val): Pattern<unknown> => (v.t === "sound" ? v.p : isSound && v.t === "pat" ? v.p.fmap(toSoundControls) : ev.patternArg(v, name, nameSpan));
  const a = toP(args[1]!);
  const b = toP(args[2]!);
  const inv = compose.invert(bools);
  const p = name === "sew" ? stack(compose.mask(a, bools), compose.mask(b, inv)) : stack(compose.struct(a, bools), compose.struct(b, inv));
  return isSound ? { t: "sound", p: p as Pattern<Controls>, span, src: name, ...limitOf(args.slice(1, 3)) } : { t: "pat", p, span, src: name };
}
