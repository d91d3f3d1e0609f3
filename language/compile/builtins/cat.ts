//! Patterns one after another: `cat`/`slowcat` (a cycle each) and `fastcat` (all in one cycle), of patterns or sounds.
import type { Span } from "../../ast.js";
import { fastcat, pure, slowcat } from "../../pattern/pattern.js";
import { toSoundControls } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Val, describe, spanOf } from "../meaning.js";
import { limitOf } from "./sound.js";
import type { Lower } from "./table.js";

const cat: Lower = (ev, c) => catOf(ev, ev.listArg(c.args, c.b.name, c.nameSpan), c.b.name === "fastcat", c.span);

export const lower: Record<string, Lower> = { cat, slowcat: cat, fastcat: cat };

function catOf(ev: Evaluator, items: Val[], fast: boolean, span: Span): Val {
  const join = fast ? fastcat : slowcat;
  if (items.some((x) => x.t === "sound")) {
    const ps = items.map((x) => (x.t === "sound" ? x.p : x.t === "pat" ? x.p.fmap(toSoundControls) : ev.error(`'cat' of sounds cannot hold ${describe(x)}`, spanOf(x, span))));
    return { t: "sound", p: join(...ps), span, src: items.map((x) => ("src" in x ? x.src : "")).join(" | "), ...limitOf(items) };
  }
  const ps = items.map((x) => (x.t === "pat" ? x.p : x.t === "num" ? pure(x.v) : ev.error(`'cat' takes patterns and sounds, not ${describe(x)}`, spanOf(x, span))));
  return { t: "pat", p: join(...ps), span, src: items.map((x) => (x.t === "pat" ? x.src : x.t === "num" ? String(x.v) : "")).join(" | ") };
}
