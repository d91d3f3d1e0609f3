//! Random values: `rand`, `irand n`, and `choose`/`wchoose` among numbers and words (one pick per cycle).
import type { Span } from "../../ast.js";
import * as compose from "../../pattern/ops/compose.js";
import type { Pattern } from "../../pattern/pattern.js";
import * as random from "../../pattern/random.js";
import type { Evaluator } from "../evaluate.js";
import { type Val, describe, spanOf } from "../meaning.js";
import type { Lower } from "./table.js";

const choosing: Lower = (ev, c) => choose(ev, c.b.name, ev.listArg(c.args, c.b.name, c.nameSpan), c.span);

export const lower: Record<string, Lower> = {
  choose: choosing,
  wchoose: choosing,
  rand: (_ev, c) => ({ t: "pat", p: compose.segment(random.rand, 1), span: c.span, src: "rand" }),
  irand: (ev, c) => ({ t: "pat", p: compose.segment(random.irand(ev.numberArg(c.args[0], "irand", c.nameSpan)), 1), span: c.span, src: "irand" }),
};

function choose(ev: Evaluator, name: string, items: Val[], span: Span): Val {
  const raw = (v: Val): unknown => {
    if (v.t === "num") return v.v;
    if (v.t === "pat") return v.src.trim();
    return ev.error(`'${name}' picks among numbers and words, not ${describe(v)}`, spanOf(v, span));
  };
  if (name === "choose") return { t: "pat", p: random.chooseCycles(...items.map(raw)) as Pattern<unknown>, span, src: name };
  const pairs = items.map((v): [unknown, number] => {
    if (v.t !== "list" || v.items.length !== 2 || v.items[1]!.t !== "num") return ev.error(`'wchoose' takes pairs [value, weight]`, spanOf(v, span));
    return [raw(v.items[0]!), (v.items[1] as { v: number }).v];
  });
  return { t: "pat", p: random.wchooseCycles(...pairs) as Pattern<unknown>, span, src: name };
}
