//! `pan` after a signal: a stereo panner (after a sound it sets each event's pan instead).
import type { Lower } from "./table.js";

export const lower: Record<string, Lower> = {
  pan: (ev, c) => {
    if (!c.chainInput) return ev.error("'pan' needs an input: write `x # pan 0.3`", c.nameSpan);
    return ev.sig("pan2", { in: ev.signalParam(c.chainInput), pos: c.args[0] ?? { t: "num", v: 0 } }, c.span);
  },
};
