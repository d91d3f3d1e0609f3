//! Number patterns made from a count or a shape: `run n`, `scan n`, `cosine`, `wedge r a b`.
import * as compose from "../../pattern/ops/compose.js";
import * as structure from "../../pattern/ops/structure.js";
import { slowcat, timecat } from "../../pattern/pattern.js";
import * as signals from "../../pattern/signal.js";
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = {
  run: (ev, c) => ({ t: "pat", p: structure.run(ev.numberArg(c.args[0], "run", c.nameSpan)), span: c.span, src: "run" }),
  scan: (ev, c) => {
    const n = ev.numberArg(c.args[0], "scan", c.nameSpan);
    return { t: "pat", p: structure.scan(n), span: c.span, src: "scan" };
  },
  cosine: (_ev, c) => ({ t: "pat", p: compose.segment(signals.cosine, 16), span: c.span, src: "cosine" }),
  wedge: (ev, c) => {
    const { args, span, nameSpan } = c;
    if (args.length === 0) return { t: "pat", p: compose.segment(signals.saw, 16), span, src: "wedge" };
    const r = ev.numberArg(args[0], "wedge", nameSpan);
    const a = ev.patternArg(args[1], "wedge", nameSpan);
    const b = ev.patternArg(args[2], "wedge", nameSpan);
    if (!(r > 0 && r < 1)) return ev.error("the ratio of 'wedge' must be between 0 and 1", nameSpan);
    return { t: "pat", p: timecat([[r, a.fast(1 / r)], [1 - r, b.fast(1 / (1 - r))]]), span, src: "wedge" };
  },
};
